// This invocation as a recipe line, for the runs `kac train`, `kac distill` and `kac refine` record.
import ToolSupport

extension Console {
    /// `kac` followed by the arguments, quoted where they contain spaces. The program path is left
    /// out on purpose — a recipe names the tool, not the file it was run from (`.build/release/kac`,
    /// a copied binary).
    static var invocation: String {
        (["kac"] + CommandLine.arguments.dropFirst().map { $0.contains(" ") ? "'\($0)'" : $0 }).joined(separator: " ")
    }
}
