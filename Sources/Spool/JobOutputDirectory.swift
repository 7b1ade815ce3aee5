// `out/<id>/` of a claimed job, held open for the whole job. Every output is created, renamed and
// removed relative to this descriptor, so swapping `out/<id>` (or `out/`) for a symlink mid-job
// changes nothing: the files land in the directory that was claimed, never at the link's target.
import DiskIO
import Foundation

public final class JobOutputDirectory: @unchecked Sendable, Equatable {
    let handle: DirectoryHandle

    init(_ handle: DirectoryHandle) { self.handle = handle }

    /// The directory's path at the claim (for messages).
    public var path: String { handle.path }

    public static func == (left: JobOutputDirectory, right: JobOutputDirectory) -> Bool { left === right }

    /// Every entry name (dotfiles included), sorted.
    public func entryNames() throws -> [String] { try SpoolFiles.names(in: handle).sorted() }

    /// True when `name` is a regular file (lstat: a symlink is not).
    public func isRegularFile(_ name: String) -> Bool { SpoolFiles.info(handle, name)?.kind == .regular }

    /// True when `name` is a directory (lstat).
    public func isDirectory(_ name: String) -> Bool { SpoolFiles.info(handle, name)?.kind == .directory }

    /// The bytes of a small regular file, or nil (missing, too large, not a regular file).
    public func read(_ name: String, limit: Int = 1 << 16) -> [UInt8]? {
        guard case .bytes(let bytes)? = try? SpoolFiles.read(handle, name, limit: limit) else { return nil }
        return bytes
    }

    /// Writes output `name` atomically; `name` must be a plain file name, optionally behind one
    /// dot (the renderer's `.kac-render`), never a temporary's `.tmp-` name.
    public func write(_ bytes: [UInt8], name: String) throws {
        try Self.checkOutputName(name)
        do { try handle.write(bytes, to: name) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    /// Writes several outputs atomically with two flushes in all (`DirectoryHandle.write(batch:)`);
    /// names as for `write`.
    public func write(batch files: [(name: String, bytes: [UInt8])]) throws {
        for file in files { try Self.checkOutputName(file.name) }
        do { try handle.write(batch: files) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    /// A plain file name, optionally behind one dot, never a temporary's `.tmp-` name.
    private static func checkOutputName(_ name: String) throws {
        let plain = name.hasPrefix(".") ? String(name.dropFirst()) : name
        guard JobID.isValidName(plain), !name.hasPrefix(DirectoryHandle.temporaryPrefix) else { throw SpoolError.invalidOutputName(name) }
    }

    /// Removes `name` (a file or a symlink, never followed).
    public func remove(_ name: String) throws {
        do { try handle.remove(name) } catch let error as DiskIOError { throw SpoolError.io(error) }
    }

    /// Output files present (sorted; dotfiles and `result.json` excluded).
    public func completedOutputs() throws -> [String] {
        try entryNames().filter { !$0.hasPrefix(".") && $0 != "result.json" && isRegularFile($0) }
    }

    /// Removes temporary files of interrupted writes (`.tmp-*`); returns how many.
    @discardableResult
    func removeTemporaryFiles(olderThan cutoff: Date? = nil) -> Int {
        var removed = 0
        for name in (try? handle.names()) ?? [] where name.hasPrefix(DirectoryHandle.temporaryPrefix) {
            guard let info = SpoolFiles.info(handle, name), info.kind == .regular else { continue }
            if let cutoff, info.modified > cutoff { continue }
            if (try? handle.remove(name)) == true { removed += 1 }
        }
        return removed
    }
}
