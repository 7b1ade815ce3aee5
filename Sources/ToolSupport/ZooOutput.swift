// Tables and JSON on standard output for the `kac zoo` commands and `kac-bench zoo`: tables are for
// people (bold headers only on a terminal), JSON (`--json`) for scripts.
import Foundation
import ModelStore

#if canImport(Glibc)
import Glibc
#endif

public enum ZooOutput {
    public static func json(_ value: some Encodable) throws { print(try Console.json(value), terminator: "") }

    /// Left-aligned columns separated by two spaces; headers in bold only on a terminal.
    public static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let bold = isatty(STDOUT_FILENO) != 0
        print(bold ? "\u{1B}[1m" + line(header) + "\u{1B}[0m" : line(header))
        for row in rows { print(line(row)) }
    }

    public static func size(_ bytes: Int) -> String { ModelManifest.size(bytes) }

    public static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
