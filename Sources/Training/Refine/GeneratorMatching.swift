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
    /// No distribution term: regression to the anchor model's endpoints alone (endpoint distillation continued).
    case anchor
    /// A GAN term on the refiner's own discriminator (real samples against the student's), plus the anchor.
    case adversarial

    /// Whether the method trains the fake velocity network (fgm, velocity-dmd).
    public var usesFake: Bool { self == .fgm || self == .velocityDMD }
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
        samples x0: Tensor, labels: [Int], times: [Float], path: KacPath, teacher: GuidedField,
        fake: GuidedField, method: RefinementMethod, alpha: Double, random: inout RandomSource
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
        case .anchor, .adversarial:
            preconditionFailure("GeneratorMatching: \(method.rawValue) has no generator-matching gradient")
        case .velocityDMD:
            teacherVelocity = teacher.velocity(xt, times: times, labels: labels)
            fakeVelocity = fake.velocity(xt, times: times, labels: labels)
            for i in 0..<dXt.count { dXt.scalars[i] = 2 * scale * (teacherVelocity.scalars[i] - fakeVelocity.scalars[i]) }
        case .fgm:
            // At α = ½ each cotangent needs only its own network's output; otherwise the fake's
            // output is needed first (one extra forward pass).
            let fakeFirst: Tensor? = alpha == 0.5 ? nil : fake.velocity(xt, times: times, labels: labels)
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
            var fakeGradients = fake.network.parameters.zeros()
            let fakePass = fake.vectorJacobian(xt, times: times, labels: labels, gradients: &fakeGradients) { rows, v in
                var w = v
                for k in 0..<v.count {
                    let i = rows.lowerBound * perSample + k
                    let uT = teacherVelocity.scalars[i]
                    w.scalars[k] = -scale * (2 * (uT - uc.scalars[i]) - 4 * a * (uT - v.scalars[k]))
                }
                return w
            }
            fakeVelocity = fakePass.velocity
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
                case .fgm, .anchor, .adversarial:
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
