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
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw RenderError.outputUnavailable(path: path, reason: "it cannot be created (\(reason(error)))")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw RenderError.outputUnavailable(path: path, reason: "it is not writable by this user")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return error.localizedDescription
    }
}
