// The anchor pool of a refinement run: P prior draws with uniformly drawn class labels, each sampled
// by the anchor model (by default the teacher at its own steps and guidance) to its endpoint — a
// TeacherTrajectoryPool of one interval. The refiner regresses the generator's samples from the
// same priors and labels onto these endpoints (endpoint distillation continued, keeping same-seed
// correspondence) and may show them to the discriminator as the "real" samples. The pool depends only
// on (anchor model, steps, guidance, P, seed), all recorded in its file, so a resumed run reads back —
// or rebuilds — the same one, and a pool copied from a run with another anchor or seed is remade.
import Foundation
import Generation
import KacFlow
import NeuralNet
import TensorCore

public enum RefinementAnchor {
    /// Reads `file` when it holds this pool, else integrates it (reporting progress) and writes it there.
    /// The pool is derived data: a damaged file, or one made by another anchor (`anchor`: what names
    /// it, e.g. its blob digest), seed, stage or size, is remade.
    public static func pool(
        network: any VelocityNetwork, architecture: NetworkArchitecture, path: KacPath.Configuration, steps: Int,
        guidance: Double, count: Int, seed: UInt64, anchor: String, file: String, progress: ((Int) -> Void)? = nil
    ) throws -> TeacherTrajectoryPool {
        let identity = ["anchor": anchor, "seed": String(seed)]
        let stage = DistillationStage(
            index: 0, teacherSteps: steps, studentSteps: 1, substeps: steps, teacherIntegrator: .euler, teacherGuidance: guidance)
        if FileManager.default.fileExists(atPath: file),
            let saved = try? TeacherTrajectoryPool.load(from: file, stage: stage, identity: identity), saved.trajectoryCount == count
        {
            return saved
        }
        let teacher = DistillationTeacher(network: network, architecture: architecture, path: path)
        let pool = TeacherTrajectoryPool.build(
            teacher: teacher, stage: stage, count: count, labelSource: Array(0..<max(architecture.classCount, 1)),
            nullLabelFraction: 0, seed: seed, chunkSize: 64, onChunk: progress)
        try pool.save(to: file, identity: identity)
        return pool
    }
}
