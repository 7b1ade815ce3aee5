// Finite-difference gradient checks: central differences of a Double reference (layer tests), and
// of a whole network's Float loss at chosen parameter elements (network tests), compared with the
// analytic gradient as a relative error. Random test data comes from a seeded RandomSource.
import TensorCore

/// Finite-difference step in Double: central differences have O(h²) ≈ 1e-10 truncation error.
public let finiteDifferenceStep = 1e-5

/// ∂loss/∂values by central differences, in Double.
public func numericalGradient(
    _ values: [Double], step: Double = finiteDifferenceStep,
    _ loss: ([Double]) -> Double
) -> [Double] {
    var probe = values
    return values.indices.map { i in
        probe[i] = values[i] + step
        let up = loss(probe)
        probe[i] = values[i] - step
        let down = loss(probe)
        probe[i] = values[i]
        return (up - down) / (2 * step)
    }
}

/// Σ output·weights: a scalar loss whose gradient with respect to the output is `weights`.
public func projected(_ output: [Double], _ weights: [Float]) -> Double {
    zip(output, weights).reduce(0) { $0 + $1.0 * Double($1.1) }
}

/// The worst relative error |analytic − numerical| / max(|numerical|, floor) over the probed elements
/// of the tensors at `owner[keyPath: parameters]` (a network's parameters, changed in place and
/// restored), and the index of the tensor it is in. `elements(i, count)` picks the elements of
/// tensor i to probe. Float parameters need a large `step` (1e-2 … 5e-3) to rise above rounding.
public func worstGradientError<Owner: AnyObject>(
    of owner: Owner, parameters: ReferenceWritableKeyPath<Owner, [Tensor]>, gradients: [Tensor],
    step: Float, floor: Double, elements: (_ tensor: Int, _ count: Int) -> [Int], loss: () -> Double
) -> (error: Double, tensor: Int) {
    precondition(
        owner[keyPath: parameters].count == gradients.count,
        "gradient check: \(owner[keyPath: parameters].count) tensors, \(gradients.count) gradients")
    var worst = (error: 0.0, tensor: 0)
    for index in gradients.indices {
        for element in elements(index, gradients[index].count) {
            let original = owner[keyPath: parameters][index].scalars[element]
            owner[keyPath: parameters][index].scalars[element] = original + step
            let up = loss()
            owner[keyPath: parameters][index].scalars[element] = original - step
            let down = loss()
            owner[keyPath: parameters][index].scalars[element] = original
            let numerical = (up - down) / Double(2 * step)
            let error = abs(Double(gradients[index].scalars[element]) - numerical) / max(abs(numerical), floor)
            if error > worst.error { worst = (error, index) }
        }
    }
    return worst
}

/// `count` draws from N(0, scale²).
public func randomScalars(_ count: Int, _ random: inout RandomSource, scale: Double = 1) -> [Float] {
    (0..<count).map { _ in Float(random.normal() * scale) }
}

/// A tensor of N(0, scale²) draws.
public func randomTensor(_ shape: [Int], _ random: inout RandomSource, scale: Double = 1) -> Tensor {
    Tensor(shape: shape, scalars: randomScalars(shape.reduce(1, *), &random, scale: scale))
}

public func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }
public func floats(_ values: [Double]) -> [Float] { values.map(Float.init) }
