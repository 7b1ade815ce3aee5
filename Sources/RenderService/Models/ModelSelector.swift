// Choosing a generator for jobs that state a goal instead of a model name. Candidates are the
// `latest` version (else the newest) of every teacher and student in the zoo; each manifest
// evaluation row (or, without rows, the default sampler setting) is one option:
//   fastest  — fewest network evaluations per image (NFE); ties: lower FD, then name.
//   best     — lowest Fréchet distance; ties: fewer NFE. No FD anywhere: the most NFE.
//   balanced — lowest FD among options with NFE ≤ 4; none with an FD there: fastest overall.
//   maxSteps B — `best` among options with steps ≤ B; none: the fewest-step model run at min(steps, B).
// Distances are compared only when one judge measured them: rows carry their judge (the evaluation
// classifier, absent in older manifests: those rows form one "unrecorded" group), and the judge whose
// rows cover the most candidate models is the one whose distances count; other rows' settings stay
// options with an unknown FD. Two classifiers' Fréchet distances are different scales.
// The chosen option's sampler settings become the job's defaults; the reason goes to result.json.
// A candidate whose manifest cannot be read is skipped, and named with the reason in `skipped`
// (result.json and the log), so one broken manifest never silently changes a preset's choice.
// Presets choose among the models of one data set (the manifest's `dataset.name`): the job's
// `dataset`, else the zoo's default (`zoo.json` `defaultDataset`), else the only data set the zoo's
// image models have. Several data sets and no default, or a data set without models, is refused
// (`RenderError.invalidDataset`), never guessed: adding another data set's models to a zoo never
// changes what a job that named its data set, or relied on the zoo's default, gets.
import Generation
import ModelStore
import Vocabulary

public enum ModelSelector {
    /// The NFE bound of the balanced preset.
    public static let balancedEvaluationLimit = 4

    struct Option {
        let manifest: ModelManifest
        let integrator: Integrator
        let steps: Int
        let guidance: Double
        let evaluations: Int
        var frechetDistance: Double?
        /// A guidance-conditioned student: any scale costs one pass per step.
        let guidanceInput: Bool
        /// The data set the model was trained on (its manifest's).
        let dataset: DatasetName
        /// The classifier that measured `frechetDistance` (nil: not recorded).
        var judge: String? = nil

        var summary: String {
            "\(manifest.name)@\(manifest.version) \(integrator.rawValue)×\(steps) (guidance \(guidance)): NFE \(evaluations), FD "
                + (frechetDistance.map { String($0) + (judge.map { " by \($0)" } ?? "") } ?? "unknown")
        }

        /// The same setting with its distance forgotten (measured by another judge).
        var unscored: Option {
            var option = self
            option.frechetDistance = nil
            return option
        }
        var fd: Double { frechetDistance ?? .infinity }
    }

    /// The model `goal` picks among the image models of `dataset` (nil: the zoo's default data
    /// set, else the only one there is). Distances count only from the judge common to that data set.
    public static func select(
        _ goal: SelectionGoal, dataset: DatasetName? = nil, from store: ModelStore
    ) throws(RenderError) -> (ModelSelection, ModelManifest) {
        let (all, skipped) = candidates(in: store)
        guard !all.isEmpty else {
            throw RenderError.modelUnavailable(
                reference: goal.description,
                reason: Reason(
                    "the zoo at \(store.root) has no usable teacher or student "
                        + "with sampler defaults; publish one (kac train --publish) or name a model in the job"
                        + (skipped.isEmpty ? "" : " (skipped: \(skipped.map(\.description).joined(separator: "; ")))")))
        }
        let (chosenDataset, datasetReason) = try chooseDataset(dataset, among: all, in: store, goal: goal)
        let measured = all.filter { $0.dataset == chosenDataset }
        let judge = commonJudge(of: measured)
        let options = measured.map { $0.frechetDistance == nil || $0.judge == judge ? $0 : $0.unscored }
        let fastestOrder: (Option, Option) -> Bool = {
            ($0.evaluations, $0.fd, $0.manifest.name) < ($1.evaluations, $1.fd, $1.manifest.name)
        }
        let bestOrder: (Option, Option) -> Bool = { ($0.fd, $0.evaluations, $0.manifest.name) < ($1.fd, $1.evaluations, $1.manifest.name) }
        var chosen: Option
        var reason: String
        switch goal {
        case .quality(.fastest):
            chosen = options.min(by: fastestOrder) ?? options[0]
            reason = "fewest network evaluations per image (\(chosen.evaluations))"
        case .quality(.best):
            if let scored = options.filter({ $0.frechetDistance != nil }).min(by: bestOrder) {
                chosen = scored
                reason = "lowest Fréchet distance (\(scored.fd))"
            } else {
                chosen = options.max(by: fastestOrder) ?? options[0]
                reason = "no evaluation has a Fréchet distance; took the most thorough setting (\(chosen.evaluations) NFE)"
            }
        case .quality(.balanced):
            let cheap = options.filter { $0.evaluations <= balancedEvaluationLimit }
            if let scored = cheap.filter({ $0.frechetDistance != nil }).min(by: bestOrder) {
                chosen = scored
                reason = "lowest Fréchet distance (\(scored.fd)) among settings with at most \(balancedEvaluationLimit) network evaluations"
            } else {
                chosen = options.min(by: fastestOrder) ?? options[0]
                reason =
                    "no evaluated setting with at most \(balancedEvaluationLimit) network evaluations; fell back to the fastest (\(chosen.evaluations) NFE)"
            }
        case .stepBudget(let budget):
            let within = options.filter { $0.steps <= budget }
            if let scored = within.filter({ $0.frechetDistance != nil }).min(by: bestOrder) {
                chosen = scored
                reason = "lowest Fréchet distance (\(scored.fd)) with at most \(budget) steps"
            } else if let longest = within.max(by: fastestOrder) {
                chosen = longest
                reason = "no evaluated setting within \(budget) steps has a Fréchet distance; took the most thorough one within the budget"
            } else {
                let fewest = options.min { ($0.steps, $0.fd) < ($1.steps, $1.fd) } ?? options[0]
                chosen = Option(
                    manifest: fewest.manifest, integrator: fewest.integrator, steps: budget, guidance: fewest.guidance,
                    evaluations: nfe(
                        fewest.integrator, steps: budget, guidance: fewest.guidance,
                        guidanceInput: fewest.guidanceInput),
                    frechetDistance: nil, guidanceInput: fewest.guidanceInput, dataset: fewest.dataset)
                reason =
                    "no model has a setting within \(budget) steps; running the fewest-step model (\(fewest.steps) steps) at \(budget) steps"
            }
        }
        let selection = ModelSelection(
            goal: goal, model: chosen.manifest.label, kind: chosen.manifest.details.kind, digest: chosen.manifest.blob,
            sampler: chosen.integrator, steps: chosen.steps, guidance: chosen.guidance,
            networkEvaluations: chosen.evaluations, frechetDistance: chosen.frechetDistance, reason: reason,
            dataset: chosenDataset, datasetReason: datasetReason, candidates: options.map(\.summary), skipped: skipped)
        return (selection, chosen.manifest)
    }

    /// The data set a selection chooses among, and why; refuses an unknown or ambiguous one.
    static func chooseDataset(
        _ asked: DatasetName?, among options: [Option], in store: ModelStore, goal: SelectionGoal
    ) throws(RenderError) -> (DatasetName, String) {
        var counts: [DatasetName: Set<String>] = [:]
        for option in options { counts[option.dataset, default: []].insert(option.manifest.name.description) }
        let present = counts.keys.sorted()
        let listing = present.map { "\($0) (\(counts[$0]?.sorted().joined(separator: ", ") ?? ""))" }.joined(separator: "; ")
        let wanted: DatasetName
        let reason: String
        if let asked {
            (wanted, reason) = (asked, "named by the job")
        } else {
            let zooDefault: DatasetName?
            do { zooDefault = try store.defaultDataset() } catch {
                throw RenderError.modelUnavailable(
                    reference: goal.description, reason: Reason("the zoo's default data set cannot be read", cause: error))
            }
            if let zooDefault {
                (wanted, reason) = (zooDefault, "the zoo's default data set (zoo.json defaultDataset)")
            } else if present.count == 1 {
                (wanted, reason) = (present[0], "the only data set the zoo's image models were trained on")
            } else {
                throw RenderError.invalidDataset(
                    "\(goal) needs a data set: the zoo holds image models of \(present.count) data sets — \(listing) — and sets no "
                        + "default; add \"dataset\": \"NAME\" to the job (kac submit --dataset NAME), or set the zoo's default with "
                        + "kac zoo default-dataset NAME")
            }
        }
        guard counts[wanted] != nil else {
            throw RenderError.invalidDataset(
                "data set \"\(wanted)\" (\(reason)) has no usable teacher or student in the zoo at \(store.root); its image models "
                    + "belong to \(listing.isEmpty ? "no data set" : listing). Name one of those, or publish a model of \(wanted)")
        }
        return (wanted, reason)
    }

    /// The judge whose distances are compared: the one with rows for the most models (ties: a recorded
    /// judge over the unrecorded group, then the greater name, e.g. classifier@2 over classifier@1).
    static func commonJudge(of options: [Option]) -> String? {
        var models: [String?: Set<String>] = [:]
        for option in options where option.frechetDistance != nil {
            models[option.judge, default: []].insert(option.manifest.name.description)
        }
        return models.max { a, b in
            (a.value.count, a.key == nil ? 0 : 1, a.key ?? "") < (b.value.count, b.key == nil ? 0 : 1, b.key ?? "")
        }?.key ?? nil
    }

    /// Every option of every usable model, and the models skipped with the reason.
    static func candidates(in store: ModelStore) -> (options: [Option], skipped: [Reason]) {
        var options: [Option] = []
        var skipped: [Reason] = []
        for name in store.models() {
            let version: Int
            do {
                guard let chosen = try store.tags(of: name)[.latest] ?? store.versions(of: name).max() else { continue }
                version = chosen
            } catch {
                skipped.append(Reason("\(name): its tags cannot be read", cause: error, joint: .parentheses))
                continue
            }
            let manifest: ModelManifest
            do { manifest = try store.manifest(name, version: version) } catch {
                skipped.append(Reason("\(name)@\(version)", cause: error))
                continue
            }
            guard [.teacher, .student].contains(manifest.details.kind) else { continue }
            // A version whose details could never load (forged parameters, a wrong size) is left out
            // and named, however good the evaluation rows it carries.
            do { try store.validateDetails(of: manifest) } catch {
                skipped.append(Reason(manifest.label, cause: error))
                continue
            }
            guard let defaults = manifest.details.sampler else {
                skipped.append("\(manifest.label): the manifest has no default sampler")
                continue
            }
            let architecture: NetworkArchitecture
            do {
                architecture = try ManifestCoding.decode(
                    NetworkArchitecture.self, from: manifest.details.architecture,
                    model: manifest.label)
            } catch {
                skipped.append(Reason(manifest.label, cause: error))
                continue
            }
            // Models of 2-D points (toy data sets) cannot render images; they are not candidates.
            guard architecture.sampleShape.count == 3 else { continue }
            let guidanceInput = architecture.hasGuidanceInput
            guard let recorded = manifest.details.dataset?.name, let dataset = try? DatasetName(parsing: recorded) else {
                skipped.append(
                    "\(manifest.label): the manifest records no usable data set name, so no preset can choose it; name it in the job with \"model\""
                )
                continue
            }
            if manifest.details.evaluations.isEmpty {
                options.append(
                    Option(
                        manifest: manifest, integrator: defaults.integrator, steps: defaults.steps, guidance: defaults.guidance,
                        evaluations: nfe(
                            defaults.integrator, steps: defaults.steps, guidance: defaults.guidance,
                            guidanceInput: guidanceInput),
                        frechetDistance: nil, guidanceInput: guidanceInput, dataset: dataset))
            }
            for row in manifest.details.evaluations where row.steps >= 1 {
                let integrator = row.integrator ?? defaults.integrator
                let guidance = row.guidanceScale ?? defaults.guidance
                options.append(
                    Option(
                        manifest: manifest, integrator: integrator, steps: row.steps, guidance: guidance,
                        evaluations: row.networkEvaluations
                            ?? nfe(integrator, steps: row.steps, guidance: guidance, guidanceInput: guidanceInput),
                        frechetDistance: row.frechetDistance.flatMap { $0.isFinite ? $0 : nil },
                        guidanceInput: guidanceInput, dataset: dataset, judge: row.judge))
            }
        }
        return (options, skipped)
    }

    /// Network evaluations per image (`SamplingSettings.estimatedNetworkEvaluations`).
    static func nfe(_ integrator: Integrator, steps: Int, guidance: Double, guidanceInput: Bool) -> Int {
        SamplingSettings(integrator: integrator, steps: steps, guidance: guidance).estimatedNetworkEvaluations(guidanceInput: guidanceInput)
    }
}
