// Making sure an output directory is usable before anything is rendered, so a bad `--out` fails
// at once with nothing written rather than after minutes of sampling.
import Foundation

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
                    throw RenderError.outputUnavailable(path: path, reason: "mkdir \(partial) failed: \(String(cString: strerror(errno)))")
                }
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw RenderError.outputUnavailable(path: path, reason: "it is not writable by this user")
        }
    }
}
