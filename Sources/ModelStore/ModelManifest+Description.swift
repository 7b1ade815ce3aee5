// A manifest as `kac zoo show` words it for a person, one (key, value) line each: the architecture
// as one line (kind, image shape, classes, then the remaining settings) instead of its JSON, the
// parent as the versions holding that blob with the digest's short form, each evaluation row as
// its setting and figures, and KAC.md §7's stability figures. `--json` prints the manifest as stored.
import Foundation
import Vocabulary

extension ModelManifest {
    /// The manifest's lines; `store` names the parent's holders.
    public func describedLines(in store: ModelStore) -> [(key: String, value: String)] {
        var lines: [(key: String, value: String)] = [
            ("name", "\(name)@\(version)"), ("kind", details.kind.rawValue), ("blob", blob.description), ("dtype", dtype.rawValue),
            ("size", "\(Self.size(compressedSize)) compressed, \(Self.size(uncompressedSize)) uncompressed"),
            ("created", ISO8601DateFormatter().string(from: created)),
            ("architecture", Self.architectureLine(details.architecture)),
        ]
        if let kac = details.kac {
            lines.append(("kac", "a=\(kac.dampingRate) c=\(kac.speed) T=\(kac.horizon) schedule=\(kac.schedule.rawValue)"))
        }
        if let sampler = details.sampler {
            lines.append(("sampler", "\(sampler.integrator.rawValue), \(sampler.steps) steps, guidance \(sampler.guidance)"))
        }
        if let names = details.classNames { lines.append(("classes", names.joined(separator: ", "))) }
        if let parent = details.parent {
            let holders = store.holders(of: parent)
            lines.append(
                ("parent", holders.isEmpty ? "\(parent) (not in this zoo)" : holders.joined(separator: ", ") + " (\(parent.short))"))
        }
        if let dataset = details.dataset { lines.append(("dataset", dataset.name + (dataset.digest.map { " \($0)" } ?? ""))) }
        if let command = details.trainingCommand { lines.append(("command", command)) }
        if let seed = details.seed { lines.append(("seed", String(seed))) }
        if let steps = details.trainingSteps { lines.append(("steps", String(steps))) }
        for row in details.evaluations { lines.append(("eval@\(row.steps)", row.describedFigures)) }
        if let stability = details.stability { lines += stability.describedLines.map { ("stability", $0) } }
        return lines
    }

    /// "unet, 28×28×1, 10 classes; attentionHeads 4, baseWidth 32, widthMultipliers 1,2,2, …".
    public static func architectureLine(_ object: [String: JSONValue]) -> String {
        guard case .object(let configuration)? = object["configuration"] else { return JSONValue.object(object).description }
        var head: [String] = []
        if case .string(let network)? = object["network"] { head.append(network) }
        var rest = configuration
        if case .integer(let height)? = rest["imageHeight"], case .integer(let width)? = rest["imageWidth"],
            case .integer(let channels)? = rest["imageChannels"]
        {
            head.append("\(height)×\(width)×\(channels)")
            for key in ["imageHeight", "imageWidth", "imageChannels"] { rest[key] = nil }
        }
        if case .integer(let classes)? = rest.removeValue(forKey: "classCount") { head.append("\(classes) classes") }
        let settings = rest.keys.sorted().map { key in "\(key) \(plain(rest[key] ?? .null))" }
        return head.joined(separator: ", ") + (settings.isEmpty ? "" : "; " + settings.joined(separator: ", "))
    }

    private static func plain(_ value: JSONValue) -> String {
        switch value {
        case .array(let items): items.map(plain).joined(separator: ",")
        case .string(let text): text
        default: value.description
        }
    }

    /// 1234 → "1.2 KiB": bytes in binary units, one decimal.
    public static func size(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// At most `digits` decimals, trailing zeros dropped (12.5, 36.17, 0.946).
    public static func figure(_ value: Double, digits: Int = 2) -> String {
        var text = String(format: "%.\(digits)f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension EvaluationResult {
    /// "euler s=1.5 NFE 200, FD 1.23, KID×1e3 0.4, accuracy 0.951, 812 images/s, n=1000, by fashion-mnist/classifier@2".
    public var describedFigures: String {
        let figure = { (value: Double, digits: Int) in ModelManifest.figure(value, digits: digits) }
        let setting = [
            integrator.map(\.rawValue), guidanceScale.map { "s=\(figure($0, 2))" }, networkEvaluations.map { "NFE \($0)" },
        ].compactMap { $0 }
        return [
            setting.isEmpty ? nil : setting.joined(separator: " "), frechetDistance.map { "FD \(figure($0, 2))" },
            multiLayerKernelDistance.map { "KID×1e3 \(figure($0 * 1000, 2))" }, classAccuracy.map { "accuracy \(figure($0, 3))" },
            imagesPerSecond.map { "\(figure($0, 2)) images/s" }, sampleCount.map { "n=\($0)" }, judge.map { "by \($0)" },
        ].compactMap { $0 }.joined(separator: ", ")
    }
}

extension EndpointStability {
    /// KAC.md §7's figures, one per line.
    public var describedLines: [String] {
        let figure = { (value: Double, digits: Int) in ModelManifest.figure(value, digits: digits) }
        return [
            "velocity bound B \(figure(velocityBound, 2)), interval Δ \(figure(interval, 3)), d = \(dimension)",
            "endpoint error ‖x̂ − x̄‖ mean \(figure(endpointErrorMean, 3)), max \(figure(endpointErrorMax, 3)) (n=\(sampleCount), against \(teacher))",
            "path-error bound \(figure(pathErrorBound, 2)) = max endpoint error + B·√d·Δ/2 (\(figure(discretisationTerm, 2)))",
        ]
    }
}
