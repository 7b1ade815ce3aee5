// Ordered, named parameter tensors: the one structure shared by weights, gradients, Adam moments
// and EMA shadows. Names are dotted paths (`down.0.res.0.conv1.weight`) and are the checkpoint keys.
// Invariant: two sets made from the same network have the same names in the same order, so layers
// address a tensor by its index (`ParameterSet.Index`) in any of them.
//
// Gradient convention, for every layer in this module: parameter gradients ACCUMULATE (`+=`, the
// caller zeroes them, e.g. with `zeros()`), activation gradients (`dInput`) are ASSIGNED.
import TensorCore

public struct ParameterSet: Sendable, Equatable {
    public typealias Index = Int

    public private(set) var names: [String] = []
    public var tensors: [Tensor] = []
    private var indexByName: [String: Index] = [:]

    public init() {}

    /// Appends a parameter and returns the index layers keep to reach it.
    @discardableResult
    public mutating func append(_ name: String, _ tensor: Tensor) -> Index {
        precondition(indexByName[name] == nil, "parameter name \(name) is already registered")
        indexByName[name] = names.count
        names.append(name)
        tensors.append(tensor)
        return names.count - 1
    }

    /// Number of named tensors.
    public var count: Int { names.count }

    /// Total number of scalars over all tensors (the model's parameter count).
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    public func index(of name: String) -> Index? { indexByName[name] }

    public subscript(name: String) -> Tensor? {
        guard let index = indexByName[name] else { return nil }
        return tensors[index]
    }

    public subscript(index: Index) -> Tensor {
        get { tensors[index] }
        set {
            precondition(
                newValue.shape == tensors[index].shape,
                "\(names[index]): shape \(newValue.shape) replaces \(tensors[index].shape)")
            tensors[index] = newValue
        }
    }

    /// `(name, tensor)` pairs in order.
    public var entries: [(name: String, tensor: Tensor)] {
        Array(zip(names, tensors)).map { (name: $0.0, tensor: $0.1) }
    }

    /// The same names and shapes, every element zero (fresh gradients, fresh Adam moments).
    public func zeros() -> ParameterSet {
        var copy = self
        for index in copy.tensors.indices { copy.tensors[index] = Tensor.zeros(tensors[index].shape) }
        return copy
    }

    /// True when `other` has the same names, order and shapes.
    public func hasSameLayout(as other: ParameterSet) -> Bool {
        names == other.names && zip(tensors, other.tensors).allSatisfy { $0.shape == $1.shape }
    }

    /// Read access to one tensor's scalars without copying.
    @inline(__always)
    public func withScalars<R>(_ index: Index, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try tensors[index].scalars.withUnsafeBufferPointer(body)
    }

    /// In-place write access to one tensor's scalars (copies only if the storage is shared).
    @inline(__always)
    public mutating func withMutableScalars<R>(
        _ index: Index, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try tensors[index].scalars.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Euclidean norm over every scalar of every tensor, accumulated in Double.
    public var globalNorm: Float {
        var sum = 0.0
        for tensor in tensors {
            tensor.scalars.withUnsafeBufferPointer { values in
                var partial: Float = 0
                for value in values { partial += value * value }
                sum += Double(partial)
            }
        }
        return Float(sum.squareRoot())
    }
}
