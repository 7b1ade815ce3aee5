// Writes a `RenderJob` back as a schema-1 job file, keys in a fixed order and defaults omitted,
// so the same job always yields the same bytes (submission is idempotent) and
// `JobValidator().validate(job.jsonBytes()) == job`.
import Vocabulary

extension RenderJob {
    /// The job as a schema-1 JSON document, one field per line.
    public func jsonBytes() -> [UInt8] {
        var fields: [(String, String)] = [("schema", "\(Self.schemaVersion)")]
        if let id { fields.append(("id", JSONValue.quoted(id))) }
        switch model {
        case .reference(let reference): fields.append(("model", JSONValue.quoted(reference.description)))
        case .goal(.quality(let preset)): fields.append(("quality", JSONValue.quoted(preset.rawValue)))
        case .goal(.stepBudget(let budget)): fields.append(("maxSteps", "\(budget)"))
        }
        if let dataset { fields.append(("dataset", JSONValue.quoted(dataset.text))) }
        fields.append(("count", "\(count)"))
        if let labels { fields.append(("labels", "[" + labels.map(Self.labelJSON).joined(separator: ", ") + "]")) }
        if let sampler { fields.append(("sampler", JSONValue.quoted(sampler.rawValue))) }
        if let steps { fields.append(("steps", "\(steps)")) }
        if let guidance { fields.append(("guidance", "\(guidance)")) }
        if let seed { fields.append(("seed", "\(seed)")) }
        if format != .png { fields.append(("format", JSONValue.quoted(format.rawValue))) }
        if let encodeQuality { fields.append(("encodeQuality", "\(encodeQuality)")) }
        if scale != 1 { fields.append(("scale", "\(scale)")) }
        if upscale != .nearest { fields.append(("upscale", JSONValue.quoted(upscale.rawValue))) }
        if grid { fields.append(("grid", "true")) }
        if priority != 0 { fields.append(("priority", "\(priority)")) }
        if let precision { fields.append(("precision", JSONValue.quoted(precision.rawValue))) }
        let body = fields.map { "  \(JSONValue.quoted($0.0)): \($0.1)" }.joined(separator: ",\n")
        return Array("{\n\(body)\n}\n".utf8)
    }

    /// An index as a number, a name as a string (as the job file had them).
    private static func labelJSON(_ label: ClassLabel) -> String {
        switch label {
        case .index(let index): String(index)
        case .name(let name): JSONValue.quoted(name)
        }
    }
}
