// Status lines for people: written to standard error, unbuffered, so they interleave correctly with
// progress bars and land in logs immediately; standard output stays for results and `--json`.
import Foundation

enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

extension Console {
    /// This invocation as a recipe line: `kac` followed by the arguments, quoted where they contain
    /// spaces. The program path is left out on purpose — a recipe names the tool, not the file it
    /// was run from (`.build/release/kac`, a copied binary).
    static var invocation: String {
        (["kac"] + CommandLine.arguments.dropFirst().map { $0.contains(" ") ? "'\($0)'" : $0 }).joined(separator: " ")
    }
}
