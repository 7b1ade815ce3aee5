// `kac submit`: validate a job (from a file or from options, RenderService's `Submission.Draft`) and
// queue it atomically in the spool's `new/` (write into `tmp/`, fsync, link into `new/`), once
// `Submission` has checked the spool and the job's model. Prints the job id on stdout.
import ArgumentParser
import Foundation
import RenderService
import Spool
import ToolSupport
import Vocabulary

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Queue a render job in the spool and print its id.",
        discussion:
            "Give a job FILE (see spool/job.schema.json), or build the job from options. Choose the generator with exactly one of --model, --quality or --max-steps (the presets choose among the models of one data set: --dataset, else the zoo's default). The job is checked against the limits the running kacd workers announce in the spool's workers/ (the smallest of each, so any worker can run it; kacd --max-count etc.), or the defaults (count 256, scale 8) when no worker is running. A job naming a model is checked against the zoo (--zoo): a model it lacks is refused (66), and so are labels the model lacks (64); when the zoo cannot be read the job is queued with a warning. A spool that does not exist is refused unless --create. Exit codes: 64 bad options or labels, 65 the job FILE fails validation, 66 FILE, spool or model missing, 73 the id is taken, 74 a write failed (a full disk), 78 the spool's file system cannot make claims exclusive (kacd refuses it too; kac status says why)."
    )

    @OptionGroup var location: SpoolLocation
    @OptionGroup var zoo: ZooLocation
    @Flag(help: "Create the spool if it does not exist (by default a missing spool is refused: no kacd would see the job).")
    var create = false
    @Argument(help: "A job file (JSON, schema 1).") var file: String?
    @Option(help: "Job id (default: the file's id field, or generated).") var id: String?
    @Option(help: "Zoo reference: name, name:tag, name@version or sha256-<hex>.") var model: String?
    @Option(help: "Quality preset.") var quality: QualityPreset?
    @Option(name: .customLong("max-steps"), help: "Step budget: the best model needing at most this many steps.") var maxSteps: Int?
    @Option(help: "With --quality or --max-steps: the data set whose models to choose among (default: the zoo's default data set).")
    var dataset: String?
    @Option(help: "Number of images.") var count: Int?
    @Option(help: "Comma-separated labels: class indices or the model's class names (e.g. sneaker,bag,3).") var labels: String?
    @Option(help: "Integrator.") var sampler: Integrator?
    @Option(help: "Sampler steps.") var steps: Int?
    @Option(help: "Guidance scale.") var guidance: Double?
    @Option(help: "Random seed (default: derived from the job id).") var seed: UInt64?
    @Option(help: "Image format.") var format: ImageFormat?
    @Option(name: .customLong("encode-quality"), help: "jpeg/webp quality 1-100.") var encodeQuality: Int?
    @Option(help: "Integer upscale factor.") var scale: Int?
    @Option(help: "Upscaling filter.") var upscale: UpscaleFilter?
    @Flag(help: "Also write a contact sheet.") var grid = false
    @Option(help: "Higher runs first (-1000 … 1000; negative values need no '=').") var priority: Int?
    @Option(help: "fp32, bf16 or auto (the job key precision; default: the daemon's precision setting).") var precision: PrecisionSetting?

    /// The options as a job object; nil when none was given.
    func optionFields() -> [String: Any]? {
        var fields: [String: Any] = [:]
        fields["model"] = model
        fields["quality"] = quality?.rawValue
        fields["maxSteps"] = maxSteps
        fields["dataset"] = dataset
        fields["count"] = count
        fields["labels"] = labels.map {
            $0.split(separator: ",").map { part -> Any in
                let text = part.trimmingCharacters(in: .whitespaces)
                return Int(text).map { $0 as Any } ?? text
            }
        }
        fields["sampler"] = sampler?.rawValue
        fields["steps"] = steps
        fields["guidance"] = guidance
        fields["seed"] = seed.map { NSNumber(value: $0) }
        fields["format"] = format?.rawValue
        fields["encodeQuality"] = encodeQuality
        fields["scale"] = scale
        fields["upscale"] = upscale?.rawValue
        if grid { fields["grid"] = true }
        fields["priority"] = priority
        fields["precision"] = precision?.rawValue
        return fields.isEmpty ? nil : fields
    }

    func run() throws {
        let draft: Submission.Draft
        switch (file, optionFields()) {
        case (let file?, nil): draft = try Submission.Draft(file: file)
        case (nil, let fields?): draft = try Submission.Draft(options: fields)
        case (_?, _?): throw ValidationError("give either a job FILE or job options, not both")
        case (nil, nil): throw ValidationError("give a job FILE or options such as --quality fastest --count 4")
        }
        let spool = try Submission.openSpool(location.resolved, create: create)
        var job = try draft.validate(spool.validator)
        if let id { job.id = id }
        if let warning = try Submission.checkModel(of: job, zooPath: zoo.path, openStore: { try zoo.open(create: false) }) {
            Console.note(warning)
        }
        print(try spool.submit(job))
    }
}
