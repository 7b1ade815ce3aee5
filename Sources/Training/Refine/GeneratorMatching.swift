// The generator gradient of flow generator matching (FGM; velocity-form SiD) on a Kac path, for a
// one-jump generator x₀ = z − T·u_S(z, T, y). With x_t = f·x₀ + K (K a fixed Kac draw),
// u_c = f′·x₀ + g′·v_Kac(g, K) (the teacher's own regression target), Δ = u_T(x_t) − v_ψ(x_t):
//   L_α = 2⟨Δ, u_T − u_c⟩ − 2α‖Δ‖²          (networks frozen, inputs differentiable; α = ½ is FGM,
//                                           where L = ‖Δ‖² + 2⟨Δ, v_ψ − u_c⟩)
//   ∂L/∂x_t = J_Tᵀ[2(u_T − u_c) + (2 − 4α)Δ] − J_ψᵀ[2(u_T − u_c) − 4αΔ]
//   ∂L/∂x₀ = f·∂L/∂x_t − 2f′·Δ   (the last term through u_c), and ∂L/∂u_S = −T·∂L/∂x₀.
// Its expectation is the gradient of D = E‖u_T − v_θ‖² when v_ψ is the generator's marginal velocity
// (docs/one-step-refinement.md). Guidance: u_T = u_∅ + s(u_y − u_∅), so J_Tᵀw = (1−s)J_∅ᵀw + sJ_yᵀw.
// All sums are means over the batch's elements (N·D), like the trainer's mean squared error.
import KacFlow
import NeuralNet
import TensorCore

/// Which generator update a refinement step makes.
public enum RefinementMethod: String, Codable, CaseIterable, Sendable {
    /// Flow generator matching / velocity-form SiD at weight α (`alpha`): the exact gradient of D.
    case fgm
    /// The velocity analogue of DMD's update, ∂L/∂x_t = 2Δ: a heuristic for Kac (no network backward).
    case velocityDMD = "velocity-dmd"
}

/// The frozen, guided teacher as a differentiable field of its input.
public struct GuidedTeacher {
    public let network: any VelocityNetwork
    /// The null label (the architecture's class count).
    public let nullLabel: Int
    /// s; 1 is unguided (one pass), a guidance-input network takes s as input (one pass).
    public let guidance: Float

    public init(network: any VelocityNetwork, nullLabel: Int, guidance: Float) {
        self.network = network
        self.nullLabel = nullLabel
        self.guidance = guidance
    }

    private var singlePass: Bool { guidance == 1 || network.hasGuidanceInput }

    /// u_T(x) and Jᵀ·w, where `weight(rows, u_T)` gives w for rows of the batch from u_T on them.
    /// With two-pass guidance the network sees conditional and null rows interleaved ([x₀, x₀, x₁, …]),
    /// so each micro-batch (an even number of rows from an even row) holds whole pairs.
    public func vectorJacobian(
        _ x: Tensor, times: [Float], labels: [Int], weight: (_ rows: Range<Int>, _ velocity: Tensor) -> Tensor
    ) -> (velocity: Tensor, inputGradient: Tensor) {
        let count = x.shape[0]
        if singlePass {
            let scales = network.hasGuidanceInput ? Array(repeating: guidance, count: count) : nil
            let result = network.inputGradient(x, times: times, labels: labels, guidance: scales, cotangent: weight)
            return (result.output, result.inputGradient)
        }
        let perSample = x.count / max(count, 1)
        var doubled = [Float](repeating: 0, count: 2 * x.count)
        for n in 0..<count {
            let row = x.scalars[(n * perSample)..<((n + 1) * perSample)]
            doubled.replaceSubrange((2 * n * perSample)..<((2 * n + 1) * perSample), with: row)
            doubled.replaceSubrange(((2 * n + 1) * perSample)..<((2 * n + 2) * perSample), with: row)
        }
        var velocity = Tensor(shape: x.shape, repeating: 0)
        let s = guidance
        let (_, dDoubled) = network.inputGradient(
            Tensor(shape: [2 * count] + x.shape.dropFirst(), scalars: doubled),
            times: times.flatMap { [$0, $0] }, labels: labels.flatMap { [$0, nullLabel] }
        ) { rows, output in
            precondition(rows.lowerBound % 2 == 0 && rows.count % 2 == 0, "GuidedTeacher: a part split a conditional/null pair")
            let samples = (rows.lowerBound / 2)..<(rows.upperBound / 2)
            var guided = [Float](repeating: 0, count: samples.count * perSample)
            for p in 0..<samples.count {
                for j in 0..<perSample {
                    let conditional = output.scalars[2 * p * perSample + j], null = output.scalars[(2 * p + 1) * perSample + j]
                    guided[p * perSample + j] = null + s * (conditional - null)
                }
            }
            let part = Tensor(shape: [samples.count] + x.shape.dropFirst(), scalars: guided)
            velocity.scalars.replaceSubrange((samples.lowerBound * perSample)..<(samples.upperBound * perSample), with: guided)
            let w = weight(samples, part)
            var cotangent = [Float](repeating: 0, count: output.count)
            for p in 0..<samples.count {
                for j in 0..<perSample {
                    let value = w.scalars[p * perSample + j]
                    cotangent[2 * p * perSample + j] = s * value
                    cotangent[(2 * p + 1) * perSample + j] = (1 - s) * value
                }
            }
            return Tensor(shape: output.shape, scalars: cotangent)
        }
        var gradient = Tensor(shape: x.shape, repeating: 0)
        for n in 0..<count {
            for j in 0..<perSample {
                gradient.scalars[n * perSample + j] =
                    dDoubled.scalars[2 * n * perSample + j] + dDoubled.scalars[(2 * n + 1) * perSample + j]
            }
        }
        return (velocity, gradient)
    }

    /// u_T(x) without gradients.
    public func velocity(_ x: Tensor, times: [Float], labels: [Int]) -> Tensor {
        vectorJacobian(x, times: times, labels: labels) { _, v in Tensor(shape: v.shape, repeating: 0) }.velocity
    }
}

/// One generator step's gradient with respect to the generated samples, and what it measured.
public struct GeneratorGradient {
    /// ∂L/∂x₀, [N, ...]
    public var dSamples: Tensor
    /// L (the surrogate whose gradient this is; for velocity-DMD, D itself).
    public var loss: Double
    /// D estimate: mean over elements of ‖u_T − v_ψ‖² at the drawn (t, x_t).
    public var discrepancy: Double
    /// FGM at α = ½ only: the fake's own regression loss mean (v_ψ − u_c)² at the same (t, x_t) and its
    /// parameter gradients, which the fake's backward pass yields for free — its cotangent
    /// −2(v_ψ − u_c)/(N·D) is minus the regression's output gradient. nil otherwise.
    public var fakeRegression: (loss: Float, gradients: ParameterSet)?
}

public enum GeneratorMatching {
    /// ∂L/∂x₀ for generated samples `samples` = x₀ [N, ...] with labels [N], at times [N], with the
    /// Kac draws taken from `random` (the same state gives the same draws whatever x₀ is).
    public static func gradient(
        samples x0: Tensor, labels: [Int], times: [Float], path: KacPath, teacher: GuidedTeacher,
        fake: any VelocityNetwork, method: RefinementMethod, alpha: Double, random: inout RandomSource
    ) -> GeneratorGradient {
        let noised = path.noise(x0, times: times, random: &random)
        let (xt, uc) = (noised.noised, noised.target)
        let count = x0.shape[0], perSample = x0.count / max(count, 1)
        let scale = 1 / Float(x0.count)
        let a = Float(alpha)
        let fakeVelocity: Tensor
        let teacherVelocity: Tensor
        var dXt = Tensor(shape: x0.shape, repeating: 0)
        var fakeRegression: (loss: Float, gradients: ParameterSet)?
        switch method {
        case .velocityDMD:
            teacherVelocity = teacher.velocity(xt, times: times, labels: labels)
            fakeVelocity = fake.velocity(xt, times: times, labels: labels, guidance: nil)
            for i in 0..<dXt.count { dXt.scalars[i] = 2 * scale * (teacherVelocity.scalars[i] - fakeVelocity.scalars[i]) }
        case .fgm:
            // At α = ½ each cotangent needs only its own network's output; otherwise the fake's
            // output is needed first (one extra forward pass).
            let fakeFirst: Tensor? = alpha == 0.5 ? nil : fake.velocity(xt, times: times, labels: labels, guidance: nil)
            let teacherPass = teacher.vectorJacobian(xt, times: times, labels: labels) { rows, uT in
                var w = uT
                for k in 0..<uT.count {
                    let i = rows.lowerBound * perSample + k
                    let residual = uT.scalars[k] - uc.scalars[i]
                    let delta = fakeFirst.map { uT.scalars[k] - $0.scalars[i] } ?? 0
                    w.scalars[k] = scale * (2 * residual + (2 - 4 * a) * delta)
                }
                return w
            }
            teacherVelocity = teacherPass.velocity
            var fakeGradients = fake.parameters.zeros()
            let fakePass = fake.backpropagate(xt, times: times, labels: labels, guidance: nil, gradients: &fakeGradients) { rows, v in
                var w = v
                for k in 0..<v.count {
                    let i = rows.lowerBound * perSample + k
                    let uT = teacherVelocity.scalars[i]
                    w.scalars[k] = -scale * (2 * (uT - uc.scalars[i]) - 4 * a * (uT - v.scalars[k]))
                }
                return w
            }
            fakeVelocity = fakePass.output
            if alpha == 0.5 {
                for index in fakeGradients.tensors.indices {
                    fakeGradients.withMutableScalars(index) { g in
                        for i in g.indices { g[i] = -g[i] }
                    }
                }
                var squares = 0.0
                for i in 0..<uc.count { squares += Double((fakeVelocity.scalars[i] - uc.scalars[i]) * (fakeVelocity.scalars[i] - uc.scalars[i])) }
                fakeRegression = (Float(squares / Double(uc.count)), fakeGradients)
            }
            for i in 0..<dXt.count { dXt.scalars[i] = teacherPass.inputGradient.scalars[i] + fakePass.inputGradient.scalars[i] }
        }
        let schedule = path.schedule, horizon = path.horizon
        var dX0 = dXt
        var loss = 0.0, discrepancy = 0.0
        for n in 0..<count {
            let t = Double(times[n])
            let f = Float(schedule.signal(time: t, horizon: horizon))
            let fRate = Float(schedule.signalRate(time: t, horizon: horizon))
            for j in (n * perSample)..<((n + 1) * perSample) {
                let delta = teacherVelocity.scalars[j] - fakeVelocity.scalars[j]
                discrepancy += Double(delta * delta)
                switch method {
                case .fgm:
                    loss += Double(2 * delta * (teacherVelocity.scalars[j] - uc.scalars[j]) - 2 * a * delta * delta)
                    dX0.scalars[j] = f * dXt.scalars[j] - 2 * fRate * scale * delta
                case .velocityDMD:
                    dX0.scalars[j] = f * dXt.scalars[j]
                }
            }
        }
        discrepancy /= Double(x0.count)
        return GeneratorGradient(
            dSamples: dX0, loss: method == .fgm ? loss / Double(x0.count) : discrepancy, discrepancy: discrepancy,
            fakeRegression: fakeRegression)
    }
}
