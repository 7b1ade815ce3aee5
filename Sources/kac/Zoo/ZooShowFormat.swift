// How `kac zoo show` words two manifest fields for a person: the architecture as one line (kind,
// image shape, classes, then the remaining settings) instead of its JSON, and the parent as the
// models that hold that blob (`fashion-mnist/student-2@3`) with the digest's short form, instead
// of a bare digest. `--json` still prints the manifest as stored.
import ModelStore
import Vocabulary

enum ZooShowFormat {
    /// "unet, 28×28×1, 10 classes; attentionHeads 4, baseWidth 32, widthMultipliers 1,2,2, …".
    static func architecture(_ object: [String: JSONValue]) -> String {
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

    /// "fashion-mnist/student-2@3 (sha256-b71e5743851c)", or the digest when no manifest in the
    /// store holds that blob (the parent was removed, or lives in another zoo).
    static func parent(_ digest: Digest, in store: ModelStore) -> String {
        var holders: [String] = []
        for name in store.models() {
            for version in store.versions(of: name) {
                if let manifest = try? store.manifest(name, version: version), manifest.blob == digest {
                    holders.append("\(name)@\(version)")
                }
            }
        }
        return holders.isEmpty ? "\(digest) (not in this zoo)" : holders.joined(separator: ", ") + " (\(digest.short))"
    }
}
