// A parent named on the command line (`kac publish --parent`): a blob digest as it is, or a zoo
// reference resolved to the blob of the version it names.
extension ModelStore {
    public func blob(naming text: String) throws -> Digest {
        if let digest = try? Digest(parsing: text) { return digest }
        return try resolve(text).blob
    }
}
