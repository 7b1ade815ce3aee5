// Turns job-file bytes into a `RenderJob` or one `JobValidationError` naming the field and what
// is allowed. Checks run cheapest first: size, UTF-8, JSON shape (depth, duplicates, trailing
// bytes), then each field. Unknown keys are errors, never ignored, so typos cannot pass silently.
// Model references are parsed by the zoo's own grammar (Vocabulary), so a reference accepted here
// is refused by the zoo, if at all, only because the model is not there. Labels are checked for
// shape here and against the model's class names when the job is rendered.
import Vocabulary

/// Validates job files against schema 1 and the daemon's `SpoolLimits`.
public struct JobValidator: Sendable {
    public let limits: SpoolLimits
    public static let priorityRange = -1000...1000
    public static let encodeQualityRange = 1...100
    static let knownFields: Set<String> = [
        "schema", "id", "model", "quality", "maxSteps", "dataset", "count", "labels", "sampler",
        "steps", "guidance", "seed", "format", "encodeQuality", "scale", "upscale",
        "grid", "priority", "precision",
    ]

    public init(limits: SpoolLimits = .default) { self.limits = limits }

    /// Validates a whole job file.
    public func validate(_ bytes: [UInt8]) throws(JobValidationError) -> RenderJob {
        guard bytes.count <= limits.maximumFileSize else {
            throw JobValidationError(
                .tooLarge, field: nil,
                "the file has \(bytes.count) bytes; job files may have at most \(limits.maximumFileSize)")
        }
        let value = try StrictJSONReader.parse(bytes, maximumDepth: limits.maximumDepth)
        guard case .object(let members) = value else {
            throw JobValidationError(.notAnObject, field: nil, "a job file holds one JSON object ({…}), not \(value.kindDescription)")
        }
        return try validate(members: members)
    }

    func validate(members: [(key: String, value: StrictJSONValue)]) throws(JobValidationError) -> RenderJob {
        for (key, _) in members where !Self.knownFields.contains(key) {
            throw JobValidationError(
                .unknownField, field: key,
                "unknown field \"\(key)\"; allowed fields are \(Self.knownFields.sorted().joined(separator: ", "))")
        }
        var fields = FieldReader(members: members)
        guard let schema = try fields.integer("schema", in: 0...Int.max) else {
            throw JobValidationError(.missingField, field: "schema", "\"schema\" is required; add \"schema\": 1")
        }
        guard schema == RenderJob.schemaVersion else {
            throw JobValidationError(
                .unsupportedSchema, field: "schema",
                "\"schema\": \(schema) is not understood by this version (it reads schema 1); upgrade kacd or write schema 1")
        }
        let id = try fields.string("id") {
            JobID.isValid($0) ? $0 : nil
        } allowed: {
            "\"id\" must match \(JobID.pattern) (letters, digits, '.', '_', '-'; at most 64; no '/'; not ending in .lease, .progress or .error)"
        }
        var job = RenderJob(id: id, model: try modelChoice(&fields))
        job.dataset = try dataset(&fields, model: job.model)
        job.count = try fields.integer("count", in: 1...limits.maximumCount) ?? 1
        job.labels = try labels(&fields)
        job.sampler = try fields.keyword("sampler", Integrator.self)
        job.steps = try fields.integer("steps", in: 1...limits.maximumSteps)
        if case .goal(.stepBudget(let budget)) = job.model, let steps = job.steps, steps > budget {
            throw JobValidationError(
                .conflictingFields, field: "steps",
                "\"steps\": \(steps) exceeds \"maxSteps\": \(budget); lower steps or raise maxSteps")
        }
        job.guidance = try fields.real("guidance", in: 0...limits.maximumGuidance)
        job.seed = try fields.seed("seed")
        job.format = try fields.keyword("format", ImageFormat.self) ?? .png
        job.encodeQuality = try fields.integer("encodeQuality", in: Self.encodeQualityRange)
        if job.encodeQuality != nil, !job.format.hasQualitySetting {
            throw JobValidationError(
                .conflictingFields, field: "encodeQuality",
                "\"encodeQuality\" applies only to \"format\": \"jpeg\" or \"webp\" (this job writes \(job.format.rawValue)); remove it")
        }
        job.scale = try fields.integer("scale", in: 1...limits.maximumScale) ?? 1
        job.upscale = try fields.keyword("upscale", UpscaleFilter.self) ?? .nearest
        job.grid = try fields.boolean("grid") ?? false
        job.priority = try fields.integer("priority", in: Self.priorityRange) ?? 0
        if job.priority > limits.maximumPriority {
            throw JobValidationError(
                .outOfRange, field: "priority",
                "\"priority\" is \(job.priority); this spool's ceiling is \(limits.maximumPriority) — lower it, or ask the operator to raise kacd's max-priority setting"
            )
        }
        // The least work the job can take: guidance may double it once the model is known (kacd checks again).
        if let steps = job.steps {
            let sampler = job.sampler ?? .euler
            let evaluations = sampler.networkEvaluations(steps: steps) ?? steps
            let named = job.sampler.map { "\(steps) \($0.rawValue) steps" } ?? "\(steps) steps"
            if let refusal = limits.workRefusal(images: job.count, evaluations: evaluations, detail: "\(named), before guidance") {
                throw refusal
            }
        }
        job.precision = try fields.keyword("precision", PrecisionSetting.self)
        return job
    }

    private func modelChoice(_ fields: inout FieldReader) throws(JobValidationError) -> ModelChoice {
        let given = ["model", "quality", "maxSteps"].filter { fields.has($0) }
        guard given.count == 1 else {
            let detail = given.isEmpty ? "none is given" : "\(given.map { "\"\($0)\"" }.joined(separator: " and ")) are both given"
            throw JobValidationError(
                given.isEmpty ? .missingField : .conflictingFields, field: given.last ?? "model",
                "choose the generator with exactly one of \"model\" (a zoo reference), \"quality\" (fastest, balanced, best) or \"maxSteps\" (a step budget); \(detail)"
            )
        }
        if let reference = try fields.reference("model") { return .reference(reference) }
        if let preset = try fields.keyword("quality", QualityPreset.self) { return .quality(preset) }
        guard let budget = try fields.integer("maxSteps", in: 1...limits.maximumSteps) else {
            throw JobValidationError(.missingField, field: "model", "no generator chosen")
        }
        return .stepBudget(budget)
    }

    /// `dataset`: a data set name, only beside `quality` or `maxSteps`.
    private func dataset(_ fields: inout FieldReader, model: ModelChoice) throws(JobValidationError) -> DatasetName? {
        let name = try fields.string("dataset") {
            try? DatasetName(parsing: $0)
        } allowed: {
            "\"dataset\" names the data set a preset chooses among, as the zoo's manifests record it (kac zoo list shows it; "
                + "1 to \(DatasetName.maximumLength) bytes, no control characters or surrounding spaces)"
        }
        if name != nil, case .reference = model {
            throw JobValidationError(
                .conflictingFields, field: "dataset",
                "\"dataset\" applies only to \"quality\" or \"maxSteps\" (a \"model\" reference names its model, and so its data set); remove it"
            )
        }
        return name
    }

    private func labels(_ fields: inout FieldReader) throws(JobValidationError) -> [ClassLabel]? {
        guard let value = fields.value("labels") else { return nil }
        let allowed =
            "a label is a class index (0, 1, …) or one of the model's class names (kac zoo show MODEL lists them, e.g. \"sneaker\" for Fashion-MNIST)"
        guard case .array(let elements) = value else {
            throw JobValidationError(.wrongType, field: "labels", "\"labels\" must be an array (\(allowed)), not \(value.kindDescription)")
        }
        guard !elements.isEmpty else {
            throw JobValidationError(
                .outOfRange, field: "labels",
                "\"labels\" is empty; give at least one label or leave the field out to cycle through all classes")
        }
        guard elements.count <= limits.maximumCount else {
            throw JobValidationError(
                .outOfRange, field: "labels", "\"labels\" has \(elements.count) entries; at most \(limits.maximumCount) (the count limit)")
        }
        var result: [ClassLabel] = []
        for (position, element) in elements.enumerated() {
            let path = "labels[\(position)]"
            switch element {
            case .number(let text):
                guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let label = Int(text), label <= Self.maximumClassIndex else {
                    throw JobValidationError(.outOfRange, field: path, "\(path) is \(text); \(allowed)")
                }
                result.append(.index(label))
            case .string(let name):
                guard (1...ClassNames.maximumNameLength).contains(name.utf8.count), !name.contains(where: { $0.isNewline || $0 == "," })
                else {
                    throw JobValidationError(
                        .invalidValue, field: path,
                        "\(path) is not a class name (1 to \(ClassNames.maximumNameLength) bytes, no commas or line breaks); \(allowed)")
                }
                result.append(.name(name))
            default:
                throw JobValidationError(.wrongType, field: path, "\(path) is \(element.kindDescription); \(allowed)")
            }
        }
        return result
    }

    /// Class indices beyond this are refused before any model is looked at.
    public static let maximumClassIndex = 65_535
}
