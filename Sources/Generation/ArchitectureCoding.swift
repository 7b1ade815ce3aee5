// How network descriptions are written into zoo manifests and checkpoints: `{"network": "unet",
// "configuration": {…}}`. The store keeps this object opaque (it never imports NeuralNet); this file
// is the one place that turns it back into a typed architecture.
import Foundation
import ModelStore
import NeuralNet
import Vocabulary

extension NetworkArchitecture {
    private enum CodingKeys: String, CodingKey { case network, configuration }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .network) {
        case "unet": self = .unet(try container.decode(UNetConfiguration.self, forKey: .configuration))
        case "mlp": self = .mlp(try container.decode(MLPVelocityConfiguration.self, forKey: .configuration))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .network, in: container,
                debugDescription: "unknown network '\(other)' (this kac knows unet and mlp; upgrade kac to load it)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .unet(let configuration):
            try container.encode("unet", forKey: .network)
            try container.encode(configuration, forKey: .configuration)
        case .mlp(let configuration):
            try container.encode("mlp", forKey: .network)
            try container.encode(configuration, forKey: .configuration)
        }
    }
}

/// Conversions between typed Codable values and the manifest's opaque JSON objects.
public enum ManifestCoding {
    public static func object(_ value: some Encodable) throws -> [String: JSONValue] {
        let data = try JSONEncoder().encode(value)
        return try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from object: [String: JSONValue], model: String) throws -> T {
        do {
            let data = try JSONEncoder().encode(object)
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ZooModelError.badArchitecture(model: model, reason: Reason(cause: error))
        }
    }
}

public enum ZooModelError: Error, CustomStringConvertible {
    case badArchitecture(model: String, reason: Reason)
    case wrongKind(model: String, expected: String, found: String)
    case missingField(model: String, field: String)
    case weightsMismatch(model: String, reason: Reason)
    /// A declared value outside its domain (`ZooModelValidator`'s checks).
    case invalid(model: String, ModelValidationError)

    public var description: String {
        switch self {
        case .badArchitecture(let model, let reason):
            return "\(model): the manifest's architecture cannot be read (\(reason)); re-publish the model with this version of kac"
        case .wrongKind(let model, let expected, let found):
            return "\(model) is a \(found), but a \(expected) is needed here; pick another model (`kac zoo list`)"
        case .missingField(let model, let field):
            return "\(model): the manifest has no \(field); re-publish it with `kac publish`"
        case .invalid(let model, let error):
            return
                "\(model) is not a usable model: \(error.field) \(error.reason); "
                + "re-publish a correct model, or remove this version with kac zoo rm"
        case .weightsMismatch(let model, let reason):
            return "\(model): the weights do not fit the architecture (\(reason)); run `kac zoo verify` and re-publish"
        }
    }
}
