// The one public error type of ModelStore. Every case renders a message that names the file or
// value at fault and tells the operator what to do next (upgrade kac, run `kac zoo verify`,
// re-publish, pick another name); the underlying cause is kept when there is one.
import DiskIO
import Vocabulary

public enum ModelStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A safetensors file is malformed; `reason` says which rule it broke.
    case invalidSafetensors(path: String, reason: String)
    /// A checkpoint handed to the writer breaks a contract (duplicate name, shape/value mismatch).
    case invalidCheckpoint(reason: String)
    /// A model name, tag or reference the user typed is not acceptable (Vocabulary's grammar).
    case invalidReference(ReferenceError)
    case invalidDigest(String, reason: String)
    /// A file was written by a newer (or unknown) format version.
    case unsupportedSchema(path: String, found: Int, supported: Int)
    /// A manifest, tag file or history file is unreadable or inconsistent.
    case corruptManifest(path: String, reason: Reason)
    /// A blob is missing, truncated, has the wrong digest or the wrong size.
    case corruptBlob(path: String, reason: String)
    /// A declared size is beyond what this store is willing to allocate.
    case sizeLimitExceeded(path: String, declared: Int, limit: Int)
    case notFound(String, reason: String)
    /// There is no store (no `zoo.json`) at the given root.
    case noStore(path: String)
    /// A file the user named (an archive to import) does not exist.
    case fileNotFound(path: String, what: String)
    case ambiguousReference(String, candidates: [String])
    /// An operation was refused to protect data (tagged version, unreadable manifests during gc).
    case refused(String)
    case compression(String)
    /// An export archive is malformed.
    case invalidArchive(path: String, reason: String)
    /// A model's details or weights are unusable (`ModelValidator`): `model` names the version or file.
    case invalidModel(model: String, ModelValidationError)
    /// A path that must name a regular file names a directory, FIFO, socket or device.
    case notAFile(path: String, kind: String)
    /// A system call failed; `cause` keeps the error (a `DiskIOError`, an errno) as a value.
    case io(path: String, cause: Reason)

    public var description: String {
        switch self {
        case let .invalidSafetensors(path, reason):
            return "\(path) is not a valid safetensors file: \(reason). "
                + "Re-export it with `safetensors.numpy.save_file` (F32/F16 only) or re-publish the model."
        case let .invalidCheckpoint(reason):
            return "checkpoint cannot be written: \(reason). Fix the tensor list before saving."
        case let .invalidReference(error):
            return error.description
        case let .invalidDigest(text, reason):
            return "invalid digest \"\(text)\": \(reason). Expected sha256-<64 hex> or sha256:<64 hex>."
        case let .unsupportedSchema(path, found, supported):
            return "\(path) uses schema version \(found), but this kac understands up to \(supported). "
                + "Upgrade kac to read it, or restore the file from a backup written by this version."
        case let .corruptManifest(path, reason):
            return "\(path) is corrupt: \(reason). Run `kac zoo verify` to list damage; "
                + "restore the file from a backup, or `kac zoo rm` the version and re-publish it."
        case let .corruptBlob(path, reason):
            return "blob \(path) is corrupt: \(reason). Restore it by re-publishing the same weights "
                + "(`kac publish`) or importing an archive of the model (`kac zoo import FILE`): either replaces "
                + "a blob that fails its digest with the good copy. `kac zoo verify` lists every damaged blob."
        case let .sizeLimitExceeded(path, declared, limit):
            return "\(path) declares \(declared) bytes, more than the limit of \(limit). "
                + "The file is hostile or corrupt; if the model really is that large, raise the limit "
                + "(ModelStore.Configuration.maximumCheckpointBytes)."
        case let .notFound(what, reason):
            return "\(what) not found: \(reason). Run `kac zoo list` to see what the store holds."
        case let .noStore(path):
            return "there is no model store at \(path) (no zoo.json); "
                + "pass --zoo with the right path, or publish or import a model to create one"
        case let .fileNotFound(path, what):
            return "\(what) \(path) does not exist; check the path (and that this user may read it)"
        case let .ambiguousReference(reference, candidates):
            return "\(reference) is ambiguous; it matches: \(candidates.joined(separator: ", ")). "
                + "Give more hex digits or use NAME@VERSION."
        case let .refused(reason):
            return reason
        case let .compression(reason):
            return "zstd: \(reason). The blob is damaged; run `kac zoo verify`, then re-publish the weights "
                + "or `kac zoo import` an archive of the model to replace it."
        case let .invalidArchive(path, reason):
            return "\(path) is not a valid kac model archive: \(reason). Re-run `kac zoo export` on the source store."
        case let .invalidModel(model, error):
            return "\(model) is not a usable model: \(error.field) \(error.reason); nothing was added or loaded, "
                + "so re-publish a correct model (kac publish), or remove this version with kac zoo rm"
        case let .notAFile(path, kind):
            return "\(path) is a \(kind), not a regular file; name the file itself"
        case let .io(path, cause):
            return "I/O error on \(path): \(cause)"
        }
    }

    static func wrap(_ error: Error, path: String) -> ModelStoreError {
        if let error = error as? ModelStoreError { return error }
        if let error = error as? ReferenceError { return .invalidReference(error) }
        if let error = error as? DiskIOError { return .io(path: error.path, cause: Reason(cause: error)) }
        return .io(path: path, cause: Reason(cause: error))
    }

    /// True when `.io` failed because this user may not read or write there (kac exits 77).
    public var isPermissionDenied: Bool {
        guard case .io(_, let cause) = self else { return false }
        if let disk = cause.cause as? DiskIOError { return disk.code == .permissionDenied }
        return cause.isPermissionDenied
    }
}
