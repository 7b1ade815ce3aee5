// Helpers for the layer tests on top of TestSupport's gradient check: the tolerances they share and
// ParameterSet conversions. Each test names its other tolerances with the reason.
import NeuralNet
import TensorCore
import TestSupport

/// Fast Float layers against a Double reference: Float's 2^−24 rounding over sums of ~100 terms.
let floatVersusDoubleTolerance: Float = 2e-4
/// Magnitude below which relative errors are measured absolutely (gradients near zero).
let comparisonFloor: Float = 1e-2

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
