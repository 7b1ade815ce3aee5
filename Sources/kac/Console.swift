// Status lines for people: written to standard error, unbuffered, so they interleave correctly with
// progress bars and land in logs immediately; standard output stays for results and `--json`.
import Foundation

enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
