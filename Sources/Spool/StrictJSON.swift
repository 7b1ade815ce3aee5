// A small strict JSON reader for job files (RFC 8259, nothing more): UTF-8 only, one top-level
// value, no trailing bytes, no duplicate keys, bounded nesting depth. Numbers keep their literal
// text so 64-bit seeds survive exactly. Every rejection says where (line:column) and why, so
// operators can fix the file by hand.

/// A parsed JSON value. Object members keep their file order (for messages), keys are unique.
/// Spool-internal: it keeps number literals as text, unlike Vocabulary's `JSONValue`.
enum StrictJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The literal as written (`-12`, `0.5e3`); convert with `JSONNumber` helpers.
    case number(String)
    case string(String)
    case array([StrictJSONValue])
    case object([(key: String, value: StrictJSONValue)])

    public static func == (lhs: StrictJSONValue, rhs: StrictJSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short name of the kind of value, for messages ("a string", "an array").
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Reads one JSON document strictly. Throws `JobValidationError` with code `.malformedJSON`,
/// `.notUTF8`, `.tooDeep` or `.duplicateKey`.
struct StrictJSONReader {
    private let bytes: [UInt8]
    private let maximumDepth: Int
    private var index = 0

    init(_ bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    static func parse(_ bytes: [UInt8], maximumDepth: Int) throws(JobValidationError) -> StrictJSONValue {
        if let offset = firstInvalidUTF8Offset(bytes) {
            throw JobValidationError(
                .notUTF8, field: nil,
                "the file is not valid UTF-8 (first bad byte at offset \(offset)); save it as UTF-8 text")
        }
        var reader = StrictJSONReader(bytes, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        if reader.index < bytes.count, bytes[reader.index] == 0xEF {
            throw reader.error("a byte-order mark is not allowed; save the file as UTF-8 without BOM")
        }
        let value = try reader.parseValue(depth: 1, path: "")
        reader.skipWhitespace()
        guard reader.index == bytes.count else {
            throw reader.error("unexpected data after the end of the JSON document; a job file holds exactly one object")
        }
        return value
    }

    /// Offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private func error(
        _ message: String, code: JobValidationError.Code = .malformedJSON,
        field: String? = nil
    ) -> JobValidationError {
        var line = 1, column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        let place = index >= bytes.count ? "at the end of the file" : "at line \(line), column \(column)"
        return JobValidationError(code, field: field, "malformed JSON \(place): \(message)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func parseValue(depth: Int, path: String) throws(JobValidationError) -> StrictJSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("the document ends early (truncated file?)") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth, path: path)
        case UInt8(ascii: "["): return try parseArray(depth: depth, path: path)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error("NaN and Infinity are not JSON; write a finite number", field: path.isEmpty ? nil : path)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber(path: path))
        default: throw error("expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func checkDepth(_ depth: Int, path: String) throws(JobValidationError) {
        guard depth <= maximumDepth else {
            throw error(
                "nesting deeper than \(maximumDepth) levels; job files are flat objects",
                code: .tooDeep, field: path.isEmpty ? nil : path)
        }
    }

    private mutating func parseObject(depth: Int, path: String) throws(JobValidationError) -> StrictJSONValue {
        try checkDepth(depth, path: path)
        index += 1
        var members: [(key: String, value: StrictJSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a quoted member name")
            }
            let key = try parseString()
            let memberPath = path.isEmpty ? key : path + "." + key
            guard seen.insert(key).inserted else {
                throw error("duplicate key \"\(key)\"; give each field once", code: .duplicateKey, field: memberPath)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\"") }
            index += 1
            members.append((key, try parseValue(depth: depth + 1, path: memberPath)))
            skipWhitespace()
            guard index < bytes.count else { throw error("the object is not closed (truncated file?)") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}' after the value of \"\(key)\"")
        }
    }

    private mutating func parseArray(depth: Int, path: String) throws(JobValidationError) -> StrictJSONValue {
        try checkDepth(depth, path: path)
        index += 1
        var elements: [StrictJSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            elements.append(try parseValue(depth: depth + 1, path: "\(path)[\(elements.count)]"))
            skipWhitespace()
            guard index < bytes.count else { throw error("the array is not closed (truncated file?)") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("expected ',' or ']' in an array")
        }
    }

    private mutating func expectLiteral(_ word: String) throws(JobValidationError) {
        let literal = Array(word.utf8)
        guard index + literal.count <= bytes.count, Array(bytes[index..<index + literal.count]) == literal else {
            throw error("unknown word; expected \(word)")
        }
        index += literal.count
    }

    private mutating func parseNumber(path: String) throws(JobValidationError) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "I") {
            throw error("Infinity is not JSON; write a finite number", field: path)
        }
        let integerStart = index
        guard digits() > 0 else { throw error("a number needs digits") }
        if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 { throw error("numbers may not have leading zeros") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a digit must follow the decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("an exponent needs digits") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(JobValidationError) -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun() {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushRun()
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control characters must be escaped inside strings") }
            if byte == UInt8(ascii: "\\") {
                flushRun()
                scalars.append(try parseEscape())
                runStart = index
                continue
            }
            index += 1
        }
        throw error("a string is not closed (truncated file?)")
    }

    private mutating func parseEscape() throws(JobValidationError) -> Unicode.Scalar {
        index += 1
        guard index < bytes.count else { throw error("a string is not closed (truncated file?)") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHex4()
            if (0xD800...0xDBFF).contains(first) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a lone UTF-16 surrogate escape is not a character")
                }
                index += 2
                let second = try parseHex4()
                guard (0xDC00...0xDFFF).contains(second),
                    let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                else {
                    throw error("a lone UTF-16 surrogate escape is not a character")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("a lone UTF-16 surrogate escape is not a character") }
            return scalar
        default: throw error("unknown escape sequence in a string")
        }
    }

    private mutating func parseHex4() throws(JobValidationError) -> UInt32 {
        // Check digits by hand: Int(_:radix:) would also accept a leading sign.
        guard index + 4 <= bytes.count,
            bytes[index..<index + 4].allSatisfy({
                UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0
                    || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0
            }),
            let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else {
            throw error("\\u must be followed by four hex digits")
        }
        index += 4
        return value
    }
}
