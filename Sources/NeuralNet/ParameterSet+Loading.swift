// Loading values into an existing ParameterSet by name (checkpoints, safetensors). Loading is
// all-or-nothing: every name must be present with the right element count, nothing extra may be
// given, and on any mismatch the set is left unchanged and the error lists every problem at once.
import TensorCore

public struct ParameterLoadingError: Error, CustomStringConvertible, Equatable {
    /// Names the model needs that the source lacks.
    public var missing: [String]
    /// Names the source has that the model does not know.
    public var unexpected: [String]
    /// Name, expected shape and the element count or shape that was found.
    public var mismatched: [String]

    public init(missing: [String], unexpected: [String], mismatched: [String]) {
        (self.missing, self.unexpected, self.mismatched) = (missing, unexpected, mismatched)
    }

    public var description: String {
        var lines = ["checkpoint does not match the model architecture (is the configuration the one it was trained with?):"]
        if !missing.isEmpty { lines.append("  missing \(missing.count): \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("  unexpected \(unexpected.count): \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty { lines.append("  wrong shape: \(mismatched.joined(separator: "; "))") }
        return lines.joined(separator: "\n")
    }
}

extension ParameterSet {
    /// Replaces every tensor's elements with `values[name]` (row-major, same element count).
    public mutating func assign(from values: [String: [Float]]) throws(ParameterLoadingError) {
        let (names, tensors) = (self.names, self.tensors)
        try assign(names: Set(values.keys)) { index in
            guard let scalars = values[names[index]] else { return .missing }
            return scalars.count == tensors[index].count
                ? .found(scalars) : .mismatch("\(names[index]) expects \(tensors[index].shape), got \(scalars.count) scalars")
        }
    }

    /// Replaces every tensor with `values[name]`, which must have exactly the same shape.
    public mutating func assign(from values: [String: Tensor]) throws(ParameterLoadingError) {
        let (names, tensors) = (self.names, self.tensors)
        try assign(names: Set(values.keys)) { index in
            guard let tensor = values[names[index]] else { return .missing }
            return tensor.shape == tensors[index].shape
                ? .found(tensor.scalars) : .mismatch("\(names[index]) expects \(tensors[index].shape), got \(tensor.shape)")
        }
    }

    private enum Lookup { case found([Float]), missing, mismatch(String) }

    private mutating func assign(
        names given: Set<String>, lookup: (Index) -> Lookup
    ) throws(ParameterLoadingError) {
        var error = ParameterLoadingError(missing: [], unexpected: [], mismatched: [])
        error.unexpected = given.subtracting(names).sorted()
        var found: [(Index, [Float])] = []
        for index in names.indices {
            switch lookup(index) {
            case .found(let scalars): found.append((index, scalars))
            case .missing: error.missing.append(names[index])
            case .mismatch(let message): error.mismatched.append(message)
            }
        }
        guard error.missing.isEmpty, error.unexpected.isEmpty, error.mismatched.isEmpty else { throw error }
        for (index, scalars) in found { tensors[index].scalars = scalars }
    }
}
