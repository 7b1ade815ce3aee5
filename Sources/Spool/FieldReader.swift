// Typed access to the members of a job object, one helper per JSON kind. Each helper either
// returns nil (field absent), the value, or throws an error that names the field, the value
// found and the allowed range — the single place those messages are phrased.
import Vocabulary

struct FieldReader {
    private var members: [String: StrictJSONValue] = [:]

    init(members: [(key: String, value: StrictJSONValue)]) {
        for (key, value) in members { self.members[key] = value }
    }

    func has(_ key: String) -> Bool { members[key] != nil }
    func value(_ key: String) -> StrictJSONValue? { members[key] }

    private func wrongType(_ key: String, _ found: StrictJSONValue, expected: String) -> JobValidationError {
        JobValidationError(.wrongType, field: key, "\"\(key)\" must be \(expected), not \(found.kindDescription)")
    }

    /// A whole number (no fraction, no exponent) within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(JobValidationError) -> Int? {
        guard let found = members[key] else { return nil }
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let text) = found else { throw wrongType(key, found, expected: expected) }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else {
            throw JobValidationError(.wrongType, field: key, "\"\(key)\" is \(text); it must be \(expected)")
        }
        guard let value = Int(text), range.contains(value) else {
            throw JobValidationError(.outOfRange, field: key, "\"\(key)\" is \(text); it must be \(expected)")
        }
        return value
    }

    /// A finite real number within `range`.
    func real(_ key: String, in range: ClosedRange<Double>) throws(JobValidationError) -> Double? {
        guard let found = members[key] else { return nil }
        let expected = "a number from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let text) = found else { throw wrongType(key, found, expected: expected) }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw JobValidationError(.outOfRange, field: key, "\"\(key)\" is \(text); it must be \(expected)")
        }
        return value
    }

    /// An unsigned 64-bit integer, read exactly from its literal.
    func seed(_ key: String) throws(JobValidationError) -> UInt64? {
        guard let found = members[key] else { return nil }
        let expected = "a whole number from 0 to \(UInt64.max)"
        guard case .number(let text) = found else { throw wrongType(key, found, expected: expected) }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(text) else {
            throw JobValidationError(.outOfRange, field: key, "\"\(key)\" is \(text); it must be \(expected)")
        }
        return value
    }

    func boolean(_ key: String) throws(JobValidationError) -> Bool? {
        guard let found = members[key] else { return nil }
        guard case .bool(let value) = found else { throw wrongType(key, found, expected: "true or false") }
        return value
    }

    /// One of an enum's raw values.
    func keyword<Choice: RawRepresentable & CaseIterable>(_ key: String, _ type: Choice.Type) throws(JobValidationError) -> Choice?
    where Choice.RawValue == String {
        guard let found = members[key] else { return nil }
        let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let text) = found else { throw wrongType(key, found, expected: "one of \(allowed)") }
        guard let value = Choice(rawValue: text) else {
            throw JobValidationError(.invalidValue, field: key, "\"\(key)\" is \"\(text)\"; it must be one of \(allowed)")
        }
        return value
    }

    /// A string accepted by `parse`; `allowed` explains the rule when it is not.
    func string<Value>(_ key: String, _ parse: (String) -> Value?, allowed: () -> String) throws(JobValidationError) -> Value? {
        guard let found = members[key] else { return nil }
        guard case .string(let text) = found else { throw wrongType(key, found, expected: "a string") }
        guard let value = parse(text) else {
            throw JobValidationError(.invalidValue, field: key, "\(allowed()); got \"\(text.debugDescription.dropFirst().dropLast())\"")
        }
        return value
    }

    /// A zoo reference in Vocabulary's grammar; the error carries the grammar's own reason.
    func reference(_ key: String) throws(JobValidationError) -> ModelReference? {
        guard let found = members[key] else { return nil }
        guard case .string(let text) = found else { throw wrongType(key, found, expected: "a zoo reference string") }
        do { return try ModelReference(parsing: text) } catch {
            throw JobValidationError(.invalidValue, field: key, Reason("\"\(key)\"", cause: error))
        }
    }
}
