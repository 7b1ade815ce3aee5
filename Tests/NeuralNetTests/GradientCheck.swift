// Helpers for the layer tests: random data, Float↔Double conversion, central finite differences in
// Double, and a relative-error comparison. Each test names its tolerances with the reason.
import NeuralNet
import TensorCore
import TestSupport

/// Fast Float layers against a Double reference: Float's 2^−24 rounding over sums of ~100 terms.
let floatVersusDoubleTolerance: Float = 2e-4
/// Magnitude below which relative errors are measured absolutely (gradients near zero).
let comparisonFloor: Float = 1e-2
/// Finite-difference step in Double: central differences have O(h²) ≈ 1e-10 truncation error.
let finiteDifferenceStep = 1e-5

func randomScalars(_ count: Int, _ random: inout RandomSource, scale: Double = 1) -> [Float] {
    (0..<count).map { _ in Float(random.normal() * scale) }
}

func randomTensor(_ shape: [Int], _ random: inout RandomSource, scale: Double = 1) -> Tensor {
    Tensor(shape: shape, scalars: randomScalars(shape.reduce(1, *), &random, scale: scale))
}

func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }
func floats(_ values: [Double]) -> [Float] { values.map(Float.init) }

/// ∂loss/∂values by central differences, in Double.
func numericalGradient(_ values: [Double], _ loss: ([Double]) -> Double) -> [Double] {
    var probe = values
    return values.indices.map { i in
        probe[i] = values[i] + finiteDifferenceStep
        let up = loss(probe)
        probe[i] = values[i] - finiteDifferenceStep
        let down = loss(probe)
        probe[i] = values[i]
        return (up - down) / (2 * finiteDifferenceStep)
    }
}

/// Σ output·weights: a scalar loss whose gradient with respect to the output is `weights`.
func projected(_ output: [Double], _ weights: [Float]) -> Double {
    zip(output, weights).reduce(0) { $0 + $1.0 * Double($1.1) }
}

/// Largest relative error of a Float result against a Double reference.
func relativeError(_ fast: [Float], _ reference: [Double]) -> Float {
    maxRelativeError(fast, floats(reference), floor: comparisonFloor)
}

/// A ParameterSet's tensor as Doubles.
func doubles(_ parameters: ParameterSet, _ index: ParameterSet.Index) -> [Double] {
    doubles(parameters[index].scalars)
}

/// Replaces every parameter with N(0, scale²) draws (so zero-initialised layers get gradients too).
func randomize(_ parameters: inout ParameterSet, _ random: inout RandomSource, scale: Double) {
    for index in parameters.tensors.indices {
        parameters[index] = randomTensor(parameters[index].shape, &random, scale: scale)
    }
}
