// Writes a `RenderJob` back as a schema-1 job file, keys in a fixed order and defaults omitted,
// so the same job always yields the same bytes (submission is idempotent) and
// `JobValidator().validate(job.jsonBytes()) == job`.

extension RenderJob {
    /// The job as a schema-1 JSON document, one field per line.
    public func jsonBytes() -> [UInt8] {
        var fields: [(String, String)] = [("schema", "\(Self.schemaVersion)")]
        if let id { fields.append(("id", JSONText.quote(id))) }
        switch model {
        case .reference(let reference): fields.append(("model", JSONText.quote(reference.text)))
        case .quality(let preset): fields.append(("quality", JSONText.quote(preset.rawValue)))
        case .stepBudget(let budget): fields.append(("maxSteps", "\(budget)"))
        }
        fields.append(("count", "\(count)"))
        if let labels { fields.append(("labels", "[" + labels.map { JSONText.quote(FashionClass.names[$0]) }.joined(separator: ", ") + "]")) }
        if let sampler { fields.append(("sampler", JSONText.quote(sampler.rawValue))) }
        if let steps { fields.append(("steps", "\(steps)")) }
        if let guidance { fields.append(("guidance", "\(guidance)")) }
        if let seed { fields.append(("seed", "\(seed)")) }
        if format != .png { fields.append(("format", JSONText.quote(format.rawValue))) }
        if let encodeQuality { fields.append(("encodeQuality", "\(encodeQuality)")) }
        if scale != 1 { fields.append(("scale", "\(scale)")) }
        if upscale != .nearest { fields.append(("upscale", JSONText.quote(upscale.rawValue))) }
        if grid { fields.append(("grid", "true")) }
        if priority != 0 { fields.append(("priority", "\(priority)")) }
        let body = fields.map { "  \(JSONText.quote($0.0)): \($0.1)" }.joined(separator: ",\n")
        return Array("{\n\(body)\n}\n".utf8)
    }
}

/// JSON string quoting shared by the writers in this module.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
