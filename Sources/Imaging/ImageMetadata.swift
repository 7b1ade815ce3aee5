// Provenance metadata: an ordered list of key/value pairs stored in every image we write, and the
// two text forms it takes in files — "key=value" lines and an XMP packet in the `kac` namespace.
// Invariant: keys are XML names that are also valid PNG keywords, values are printable ASCII (class
// names with other characters are %-escaped, see `escaped`), so every format stores them unchanged
// and `parse(xmp:)` / `parse(lines:)` return exactly what was set.
// `software` is `KacVersion.software` unless a caller says otherwise: one string in every format.
import Vocabulary

/// One provenance field.
public struct MetadataEntry: Sendable, Equatable {
    public let key: String
    public let value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Ordered key/value pairs; order is preserved in every format.
public struct ImageMetadata: Sendable, Equatable {
    public private(set) var entries: [MetadataEntry]

    /// The XMP namespace of our fields; the prefix is `kac`.
    public static let xmpNamespace = "https://kac.invalid/ns/provenance/1.0/"
    /// Longest key: PNG keywords are limited to 79 bytes.
    public static let maximumKeyLength = 79
    /// The keyword of the one PNG text chunk (zTXt) that holds every entry as `lines`. Files written
    /// before it have one chunk per entry, keyed by the entry's key; `ImageReader` reads both.
    public static let pngKeyword = "kac-provenance"

    /// Validates every pair; throws `invalidMetadata` naming the first bad key.
    public init(_ pairs: [(key: String, value: String)]) throws(ImagingError) {
        var entries: [MetadataEntry] = []
        for (key, value) in pairs {
            try ImageMetadata.validate(key: key, value: value)
            guard !entries.contains(where: { $0.key == key }) else {
                throw ImagingError.invalidMetadata(key: key, reason: "appears twice; keys must be unique.")
            }
            entries.append(MetadataEntry(key: key, value: value))
        }
        self.entries = entries
    }

    public static let empty = ImageMetadata(validated: [])

    init(validated entries: [MetadataEntry]) { self.entries = entries }

    /// The provenance of one generated image, in the order the daemon and the CLI write it.
    public static func provenance(
        model: String, modelVersion: String, modelDigest: String, seed: UInt64, index: Int,
        label: String, sampler: String, steps: Int, guidance: Double,
        software: String = KacVersion.software
    ) throws(ImagingError) -> ImageMetadata {
        try ImageMetadata([
            ("model", model), ("model-version", modelVersion), ("model-digest", modelDigest),
            ("seed", String(seed)), ("index", String(index)), ("label", escaped(label)), ("sampler", sampler), ("steps", String(steps)),
            ("guidance", String(guidance)), ("software", software),
        ])
    }

    /// The provenance of a contact sheet of `images` images: the request's, with every label of
    /// the cycle (comma-separated) in place of one image's index and label.
    public static func sheetProvenance(
        model: String, modelVersion: String, modelDigest: String, seed: UInt64, images: Int,
        labels: [String], sampler: String, steps: Int, guidance: Double,
        software: String = KacVersion.software
    ) throws(ImagingError) -> ImageMetadata {
        try ImageMetadata([
            ("model", model), ("model-version", modelVersion), ("model-digest", modelDigest),
            ("seed", String(seed)), ("images", String(images)), ("labels", labels.map { escaped($0, also: ",") }.joined(separator: ",")),
            ("sampler", sampler),
            ("steps", String(steps)), ("guidance", String(guidance)), ("software", software),
        ])
    }

    /// A class name as a metadata value: printable ASCII stays as it is; `%`, `also` and every other
    /// byte of its UTF-8 (non-ASCII letters, control characters) become `%XX`, as in a URL
    /// (`café` → `caf%C3%A9`), so any name a folder can have survives every format unchanged.
    public static func escaped(_ text: String, also reserved: Character? = nil) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "%"), reserved.map({ Character(Unicode.Scalar(byte)) != $0 }) ?? true {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// The text `escaped` encoded (`%XX` sequences back to bytes, read as UTF-8).
    public static func unescaped(_ value: String) -> String {
        let source = Array(value.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "%"), index + 2 < source.count, let high = hexValue(source[index + 1]),
                let low = hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The value for `key`, if present.
    public subscript(key: String) -> String? { entries.first { $0.key == key }?.value }

    public var isEmpty: Bool { entries.isEmpty }

    static func validate(key: String, value: String) throws(ImagingError) {
        let keyBytes = Array(key.utf8)
        guard let first = keyBytes.first, isLetter(first) else {
            throw ImagingError.invalidMetadata(key: key, reason: "keys must start with an ASCII letter.")
        }
        guard keyBytes.count <= maximumKeyLength else {
            throw ImagingError.invalidMetadata(key: key, reason: "keys are limited to \(maximumKeyLength) bytes.")
        }
        guard keyBytes.allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw ImagingError.invalidMetadata(key: key, reason: "keys may contain only ASCII letters, digits, '-' and '_'.")
        }
        guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw ImagingError.invalidMetadata(key: key, reason: "values must be printable ASCII (no newlines, no UTF-8).")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

// MARK: - Text forms

extension ImageMetadata {
    /// "key=value" lines joined by "\n" (PNG's `kac-provenance` chunk, TIFF and EXIF ImageDescription).
    public var lines: String { entries.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") }

    /// Parses `lines`; a line without "=" is ignored (it is not ours). Values may contain "=".
    public static func parse(lines text: String) -> ImageMetadata {
        var entries: [MetadataEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            entries.append(MetadataEntry(key: String(line[..<equals]), value: String(line[line.index(after: equals)...])))
        }
        return ImageMetadata(validated: entries)
    }

    /// A complete XMP packet: each entry is a simple property `kac:<key>` of one rdf:Description.
    public var xmpPacket: String {
        var packet = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        packet += "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
        packet += " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        packet += "  <rdf:Description rdf:about=\"\" xmlns:kac=\"\(ImageMetadata.xmpNamespace)\">\n"
        for entry in entries {
            packet += "   <kac:\(entry.key)>\(ImageMetadata.escapeXML(entry.value))</kac:\(entry.key)>\n"
        }
        packet += "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>"
        return packet
    }

    /// Reads back the `kac:` properties of a packet written by `xmpPacket`, in document order.
    /// XXX: this is a scanner for our own packets, not an XML parser; other tools' rewrites that
    /// turn properties into attributes would not be found.
    public static func parse(xmp packet: String) -> ImageMetadata {
        var entries: [MetadataEntry] = []
        var rest = Substring(packet)
        while let open = rest.firstRange(of: "<kac:") {
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstIndex(of: ">") else { break }
            let key = String(afterOpen[..<close])
            let body = afterOpen[afterOpen.index(after: close)...]
            guard let end = body.firstRange(of: "</kac:\(key)>") else { break }
            entries.append(MetadataEntry(key: key, value: unescapeXML(String(body[..<end.lowerBound]))))
            rest = body[end.upperBound...]
        }
        return ImageMetadata(validated: entries)
    }

    static func escapeXML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescapeXML(_ text: String) -> String {
        text.replacingAll("&lt;", with: "<").replacingAll("&gt;", with: ">")
            .replacingAll("&quot;", with: "\"").replacingAll("&apos;", with: "'").replacingAll("&amp;", with: "&")
    }
}

extension String {
    /// Foundation-free replaceAll, so this file does not need Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
