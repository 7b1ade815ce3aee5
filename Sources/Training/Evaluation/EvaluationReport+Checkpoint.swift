// Which rows of an evaluation report `kac publish` records with a training checkpoint: every row of a
// single-model report, else the rows labelled with the checkpoint (`RUN@stepN`, from `kac eval --run`,
// where RUN is the checkpoint or its run directory). A row measured at another step than the
// checkpoint's is refused: its figures would describe other weights. `kac zoo add-evaluation` takes
// the rows naming its zoo version.
import Foundation
import ModelStore

extension EvaluationReport {
    /// The rows of this report (read from `file`) that belong to `checkpoint` at `step`, as manifest results.
    public func results(forCheckpoint checkpoint: String, step: Int, file: String) throws -> [EvaluationResult] {
        let models = Set(rows.map(\.model))
        let mine =
            models.count <= 1
            ? rows
            : rows.filter {
                let path = Self.source(of: $0.model).path
                return path == checkpoint || path + "/checkpoint.safetensors" == checkpoint
            }
        guard !mine.isEmpty else {
            throw EvaluationError.invalidOptions(
                "\(file) holds rows for \(models.sorted().joined(separator: ", ")) but none for \(checkpoint); evaluate this checkpoint alone with `kac eval --run`"
            )
        }
        for row in mine {
            if let measured = Self.source(of: row.model).step, measured != step {
                throw EvaluationError.invalidOptions(
                    "\(file) was measured at step \(measured) but \(checkpoint) is at step \(step); re-run `kac eval --run` on this checkpoint"
                )
            }
        }
        return mine.map { $0.manifestResult(judge: judge) }
    }

    /// The rows of this report (read from `file`) measured on the zoo version `label` (`kac zoo add-evaluation`).
    public func results(forModel label: String, file: String) throws -> [EvaluationResult] {
        let mine = rows.filter { $0.model == label }
        guard !mine.isEmpty else {
            throw EvaluationError.invalidOptions(
                "\(file) holds rows for \(Set(rows.map(\.model)).sorted().joined(separator: ", ")) but none for \(label); evaluate it with `kac eval --model \(label) --json-file FILE`"
            )
        }
        return mine.map { $0.manifestResult(judge: judge) }
    }

    /// "runs/teacher@step4000" → ("runs/teacher", 4000); other labels have no step.
    public static func source(of label: String) -> (path: String, step: Int?) {
        guard let marker = label.range(of: "@step", options: .backwards),
            let step = Int(label[marker.upperBound...])
        else { return (label, nil) }
        return (String(label[..<marker.lowerBound]), step)
    }
}
