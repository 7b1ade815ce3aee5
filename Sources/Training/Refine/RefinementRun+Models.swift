// The parts of a refinement run that depend on the zoo: which teacher (the student's first teacher
// ancestor unless named), which anchor model, which real data the adversarial method's
// discriminator sees, and the published manifest (its lineage, metadata and evaluation rows).
import Foundation
import Generation
import ModelStore
import NeuralNet
import Vocabulary

extension RefinementRun {
    /// The anchor model and how it is sampled: `anchorModel` at its own defaults, else the teacher at `guidance`.
    func anchorSampler(
        teacher: ZooVelocityModel, guidance: Double, store: ModelStore
    ) throws
        -> (model: ZooVelocityModel, steps: Int, guidance: Double, description: String)
    {
        let model = try anchorModel.map { try ZooVelocityModel.load($0, from: store) } ?? teacher
        guard model.path == teacher.path, model.architecture.sampleShape == teacher.architecture.sampleShape else {
            throw TrainingError.invalidOptions("the anchor model \(model.label) does not sample the teacher's data on its Kac path")
        }
        let scale = anchorModel == nil ? guidance : model.defaults.guidance
        return (model, model.defaults.steps, scale, "\(model.label), \(model.defaults.steps) euler steps, s = \(scale)")
    }

    /// The teacher: `teacher`, else the nearest ancestor of kind teacher through the parent blobs.
    func teacherReference(of model: ZooVelocityModel, in store: ModelStore) throws -> String {
        if let teacher { return teacher }
        var ancestor = try store.parent(of: model.manifest)
        while let manifest = ancestor {
            if manifest.details.kind == .teacher { return manifest.label }
            ancestor = try store.parent(of: manifest)
        }
        throw TrainingError.invalidOptions("\(model.label) has no teacher among its ancestors; name one with --teacher REF")
    }

    /// The adversarial method's real samples when they are the data: the student's built-in data set.
    func realData(for student: ZooVelocityModel, configuration: RefinementConfiguration) throws -> LabeledDataset? {
        guard configuration.method == .adversarial && configuration.realSamples == .data else { return nil }
        guard let name = student.manifest.details.dataset?.name else {
            throw TrainingError.invalidOptions(
                "\(student.label) records no dataset; the adversarial method needs its training data (or --real teacher)")
        }
        let builtIn = name.hasPrefix("toy:") ? String(name.dropFirst(4)) : name
        guard let data = try TrainingData.builtIn(builtIn, directory: judge.datasetDirectory, seed: configuration.seed) else {
            throw TrainingError.invalidOptions("\(student.label) was trained on '\(name)', not a built-in data set; use --real teacher")
        }
        return data.dataset
    }

    /// With `realTilt` > 0: the tilt classifiers' probability of each real sample's own class (RealTilt,
    /// made once per run in RUN/real-tilt.safetensors), and a line on how far the tilt moves the reals.
    func realTilt(of data: LabeledDataset, configuration: RefinementConfiguration, log: (String) -> Void) throws -> [Float]? {
        guard configuration.realTilt > 0 else { return nil }
        let file = directory + "/real-tilt.safetensors"
        log("tilted reals: p_c(y | x)^\(configuration.realTilt) within each class, p_c cross-fitted (RUN/real-tilt.safetensors)")
        let probabilities = try RealTilt.probabilities(data: data, seed: configuration.seed, file: file, progress: log)
        let sampler = WeightedIndexSampler(tilt: probabilities, labels: data.labels, gamma: configuration.realTilt)
        let mean = probabilities.reduce(0.0) { $0 + Double($1) } / Double(max(probabilities.count, 1))
        log(
            String(
                format: "tilted reals: mean p_c(y | x) %.4f, effective sample size %.1f %% of %d images", mean,
                100 * sampler.effectiveFraction, data.count))
        return probabilities
    }

    /// Publishes kept EMA generator weights (RUN/best.safetensors, else the latest) as a student whose
    /// parent is the refined student; the lineage records the step and, for the best, the selection rule.
    func publish(
        _ refiner: Refiner, kept: RefinementKeeper.Kept, student: ZooVelocityModel, teacher: ZooVelocityModel, to store: ModelStore,
        as publication: Publication
    ) throws -> ModelManifest {
        let configuration = refiner.configuration
        let rows = kept.rows
        var metadata = [
            "refinement.method": configuration.method.rawValue, "refinement.alpha": String(configuration.alpha),
            "refinement.fakeGuidance": String(configuration.fakeGuidance),
            "refinement.teacher": teacher.label, "refinement.student": student.label,
            "refinement.steps": String(kept.step), "refinement.runSteps": String(refiner.state.step),
            "refinement.guidance": String(configuration.teacherGuidance),
            "refinement.selection": kept.selection == nil ? "latest" : "best: " + BestSelection.rule,
        ]
        metadata["refinement.configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        return try VelocityModelPublication(
            name: publication.name, kind: .student, weights: kept.weights,
            architecture: student.architecture, path: student.path, defaults: student.defaults,
            classNames: student.manifest.details.classNames, parent: student.manifest.blob,
            dataset: student.manifest.details.dataset, command: command, seed: configuration.seed,
            trainingSteps: kept.step, evaluations: rows.map { $0.manifestResult(judge: $0.model) }, metadata: metadata
        ).publish(to: store, dtype: publication.dtype, tags: publication.tags)
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
