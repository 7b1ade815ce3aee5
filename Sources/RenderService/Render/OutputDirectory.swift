// Making sure an output directory is usable before anything is rendered, so a bad `--out` fails
// at once with nothing written rather than after minutes of sampling; and the two kinds of output
// a render writes to (a user's directory by path, a spool job's directory by descriptor).
import Foundation
import Imaging
import Spool
import Vocabulary

public enum OutputDirectory {
    /// Creates `path` (and parents) if needed and checks it is a writable directory.
    public static func prepare(_ path: String) throws(RenderError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RenderError.outputUnavailable(path: path, reason: "it exists and is not a directory") }
        } else {
            // mkdir(2) component by component, so the message is the real errno (ENOTDIR, EACCES, EROFS…).
            var partial = path.hasPrefix("/") ? "" : "."
            for component in path.split(separator: "/") {
                partial += "/" + component
                if mkdir(partial, 0o775) != 0, errno != EEXIST {
                    throw RenderError.outputUnavailable(path: path, reason: Reason("mkdir \(partial) failed", errno: errno))
                }
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw RenderError.outputUnavailable(path: path, reason: "it is not writable by this user")
        }
    }
}

/// Where a render puts its files. `kac render` writes by path into a directory the user chose
/// (`PathOutput`); `kacd` writes through the job's `out/<id>/` descriptor (`JobOutputDirectory`),
/// so a symlink swapped in mid-job is never followed.
public protocol RenderOutput {
    /// For messages: where the files go.
    var location: String { get }
    /// Whether names the plan does not list are removed before rendering. True for a spool job's
    /// own directory (it must hold exactly its plan's files), false for a user's directory.
    var removesUnplannedFiles: Bool { get }
    /// Every entry name, dotfiles included.
    func entryNames() throws -> [String]
    func isRegularFile(_ name: String) -> Bool
    func isDirectory(_ name: String) -> Bool
    /// The bytes of a small file, or nil when it is missing or unreadable.
    func readSmallFile(_ name: String) -> [UInt8]?
    /// Writes `bytes` to `name` atomically (temporary, fsync, rename, fsync directory).
    func write(_ bytes: [UInt8], name: String) throws
    /// Writes several files, each atomically, all durable on return, with two flushes in all
    /// (`DirectoryHandle.write(batch:)`): how a batch of images is written.
    func write(batch files: [(name: String, bytes: [UInt8])]) throws
    func remove(_ name: String) throws
}

/// A directory given by path (`kac render --out`): files the plan does not name are left alone.
public struct PathOutput: RenderOutput {
    public let directory: String
    public init(_ directory: String) { self.directory = directory }

    public var location: String { directory }
    public var removesUnplannedFiles: Bool { false }
    public func entryNames() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory) }
    public func isRegularFile(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
    public func isDirectory(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
    }
    public func readSmallFile(_ name: String) -> [UInt8]? { FileManager.default.contents(atPath: directory + "/" + name).map { Array($0) } }
    public func write(_ bytes: [UInt8], name: String) throws { try ImageEncoder.writeAtomically(bytes, to: directory + "/" + name) }
    /// The directory is opened once per batch (symlinks in the user's path followed, as for `write`).
    public func write(batch files: [(name: String, bytes: [UInt8])]) throws {
        try ImageEncoder.writeAtomically(batch: files, in: directory)
    }
    public func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: directory + "/" + name) }
}

extension JobOutputDirectory: RenderOutput {
    public var location: String { path }
    public var removesUnplannedFiles: Bool { true }
    public func readSmallFile(_ name: String) -> [UInt8]? { read(name) }
}
