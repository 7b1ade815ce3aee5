// Adam (Kingma & Ba) with PyTorch's bias correction, and global gradient-norm clipping.
// Invariant: the whole optimiser state is `firstMoment`, `secondMoment` and `stepCount`, all public,
// so a trainer that saves and restores them (plus the weights) resumes bit-exactly.
import Foundation
import TensorCore

public struct Adam: Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Running mean of gradients, same layout as the parameters.
    public var firstMoment: ParameterSet
    /// Running mean of squared gradients, same layout as the parameters.
    public var secondMoment: ParameterSet
    /// Updates applied so far (drives the bias correction).
    public var stepCount: Int = 0

    /// Fresh state for parameters laid out like `parameters`.
    public init(for parameters: ParameterSet, learningRate: Float) {
        self.learningRate = learningRate
        firstMoment = parameters.zeros()
        secondMoment = parameters.zeros()
    }

    /// Scales `gradients` so their global norm is at most `maximumNorm` and applies one Adam update.
    /// Returns the global gradient norm before clipping (for logging and divergence checks).
    @discardableResult
    public mutating func update(
        _ parameters: inout ParameterSet, gradients: ParameterSet, clippingNormTo maximumNorm: Float? = nil
    ) -> Float {
        precondition(
            parameters.hasSameLayout(as: gradients) && parameters.hasSameLayout(as: firstMoment),
            "Adam: parameters, gradients and moments must share one layout")
        let norm = gradients.globalNorm
        var scale: Float = 1
        // The 1e-6 keeps a zero gradient from dividing by zero; PyTorch's clip_grad_norm_ does the same.
        if let maximumNorm, norm > maximumNorm { scale = maximumNorm / (norm + 1e-6) }
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(stepCount)))
        let stepSize = learningRate / correction1
        let inverseRootCorrection2 = 1 / correction2.squareRoot()
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for index in parameters.tensors.indices {
            gradients.withScalars(index) { g in
                firstMoment.withMutableScalars(index) { m in
                    secondMoment.withMutableScalars(index) { v in
                        parameters.withMutableScalars(index) { w in
                            for i in 0..<w.count {
                                let gi = g[i] * scale
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                let denominator = v[i].squareRoot() * inverseRootCorrection2 + eps
                                w[i] -= stepSize * m[i] / denominator
                            }
                        }
                    }
                }
            }
        }
        return norm
    }
}
