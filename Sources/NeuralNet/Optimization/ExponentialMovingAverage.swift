// Exponential moving average of weights: shadow = decay · shadow + (1 − decay) · weights.
// Invariant: `shadow` has the network's layout, so it is saved, loaded and sampled from exactly
// like the live weights (samplers should use the shadow).
import TensorCore

public struct ExponentialMovingAverage: Sendable, Equatable {
    public var decay: Float
    /// The averaged weights.
    public var shadow: ParameterSet

    /// Starts the average at the current weights.
    public init(of parameters: ParameterSet, decay: Float) {
        precondition((0...1).contains(decay), "EMA decay \(decay) must lie in [0, 1]")
        self.decay = decay
        shadow = parameters
    }

    /// Folds the current weights into the average.
    public mutating func update(with parameters: ParameterSet) {
        precondition(shadow.hasSameLayout(as: parameters), "EMA: parameters do not match the shadow's layout")
        let keep = decay, take = 1 - decay
        for index in shadow.tensors.indices {
            parameters.withScalars(index) { w in
                shadow.withMutableScalars(index) { s in
                    for i in 0..<s.count { s[i] = keep * s[i] + take * w[i] }
                }
            }
        }
    }
}
