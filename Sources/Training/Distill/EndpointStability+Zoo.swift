// `kac zoo stability`'s measurement of a published student against its teacher in the zoo: the
// teacher runs teacher steps / student steps Euler sub-steps per student interval at its own default
// guidance, the student one Euler step at s = 1; B uses the guidance scale the field carries, found by
// walking the student's lineage (ModelStore.lineage) for the first distillation that baked a scale in.
import Foundation
import Generation
import ModelStore
import Vocabulary

extension EndpointStability {
    /// The figures of the student `reference` names against `teacher`, else against its parent.
    public static func measure(
        student reference: ModelReference, teacher: ModelReference?, in store: ModelStore, guidance: Double?, count: Int, seed: UInt64,
        figure: (Double) -> String
    ) throws -> (student: ModelManifest, stability: EndpointStability, teacherLabel: String) {
        let manifest = try store.resolve(reference)
        guard manifest.details.kind == .student else {
            throw DistillationError.invalidConfiguration("\(manifest.label) is not a student (kind \(manifest.details.kind.rawValue))")
        }
        guard let teacherManifest = try teacher.map({ try store.resolve($0) }) ?? store.parent(of: manifest) else {
            throw DistillationError.invalidConfiguration("\(manifest.label) records no parent; name its teacher with --teacher REF")
        }
        let (stability, label) = try measure(
            student: manifest, teacher: teacherManifest, in: store, guidance: guidance, count: count, seed: seed, figure: figure)
        return (manifest, stability, label)
    }

    /// The figures of `student` (a student's manifest) against `teacher`, and the teacher's description
    /// ("fashion-mnist/teacher@2, 25 Euler sub-steps per interval, s = 1.5"); `guidance` overrides the
    /// scale found in the lineage. `figure` formats the scale as the caller prints numbers.
    public static func measure(
        student manifest: ModelManifest, teacher teacherManifest: ModelManifest, in store: ModelStore, guidance: Double?,
        count: Int, seed: UInt64, figure: (Double) -> String
    ) throws -> (stability: EndpointStability, teacherLabel: String) {
        guard manifest.details.kind == .student, let studentSampler = manifest.details.sampler else {
            throw DistillationError.invalidConfiguration("\(manifest.label) is not a student (kind \(manifest.details.kind.rawValue))")
        }
        let loadedStudent = try store.load(manifest)
        let student = try ZooVelocityModel.make(loadedStudent)
        let teacherModel = try ZooVelocityModel.load(teacherManifest, from: store)
        let steps = studentSampler.steps, teacherSteps = teacherModel.defaults.steps
        let substeps = max(1, (teacherSteps + steps - 1) / steps)
        let stage = DistillationStage(
            index: 0, teacherSteps: teacherSteps, studentSteps: steps, substeps: substeps, teacherIntegrator: .euler,
            teacherGuidance: teacherModel.defaults.guidance)
        let scale = try guidance ?? carriedGuidance(from: manifest, metadata: loadedStudent.checkpoint.metadata, in: store)
        let label =
            "\(teacherManifest.label), \(substeps) Euler sub-step\(substeps == 1 ? "" : "s") per interval, s = \(figure(teacherModel.defaults.guidance))"
        let stability = measure(
            student: DistillationTeacher(network: student.network, architecture: student.architecture, path: student.path),
            teacher: DistillationTeacher(network: teacherModel.network, architecture: teacherModel.architecture, path: teacherModel.path),
            stage: stage, fieldGuidance: scale, count: count, seed: seed, teacherLabel: label)
        return (stability, label)
    }

    /// The guidance scale the student's field carries: walking up from the student, the first
    /// distillation that baked in a scale other than 1 (`distillation.bakedGuidance` in the blob's
    /// metadata), else the default of the first teacher reached; 1 when the chain ends first.
    /// `metadata`: the student's own, already loaded; ancestors' blobs are read as the walk reaches them.
    public static func carriedGuidance(
        from start: ModelManifest, metadata startMetadata: [String: String], in store: ModelStore
    ) throws -> Double {
        for current in store.lineage(from: start) {
            if current.details.kind == .teacher { return current.details.sampler?.guidance ?? 1 }
            let metadata = current == start ? startMetadata : try store.load(current).checkpoint.metadata
            if let baked = metadata[DistilledCheckpointOrigin.bakedGuidanceKey].flatMap(Double.init), baked != 1 { return baked }
        }
        return 1
    }
}
