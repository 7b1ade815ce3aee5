// The weights a refinement run keeps besides its checkpoint (docs/one-step-refinement.md):
//   RUN/best.safetensors              --keep-best: the EMA generator of the best evaluation so far by
//                                     `BestSelection`, with the selection's state, that evaluation's
//                                     rows and line; rewritten (atomically) whenever the state changes.
//   RUN/snapshots/step-N.safetensors  --snapshots: the EMA generator at every evaluation.
// Both are EMA generator weights only (tensor prefix `generator-ema.`, as in the checkpoint), with
// metadata format `kac-refinement-weights/1`, step, line, rows (JSON) and, for best, selection (JSON).
// A resumed run reads best.safetensors back, so the selection continues where it stopped.
import DiskIO
import Foundation
import Generation
import ModelStore
import NeuralNet
import TensorCore
import Vocabulary

public final class RefinementKeeper {
    public static let format = "kac-refinement-weights/1"
    public static let bestFile = "best.safetensors"
    public static let snapshotDirectory = "snapshots"

    /// Weights kept from one evaluation.
    public struct Kept {
        public var weights: ParameterSet
        public var step: Int
        public var line: String
        public var rows: [EvaluationRow]
        /// best.safetensors only.
        public var selection: BestSelection?
    }

    public let directory: String
    public let keepBest: Bool
    public let snapshots: Bool
    let architecture: NetworkArchitecture
    public private(set) var best: Kept?

    /// Reads RUN/best.safetensors when `keepBest` and it exists (a damaged one is an error that says what to do).
    public init(directory: String, architecture: NetworkArchitecture, keepBest: Bool, snapshots: Bool) throws {
        (self.directory, self.architecture, self.keepBest, self.snapshots) = (directory, architecture, keepBest, snapshots)
        if keepBest { best = try Self.loadBest(directory: directory, architecture: architecture) }
    }

    /// Records one evaluation of the EMA generator: a snapshot when asked, and best.safetensors when the
    /// selection's state changes. `selectionRow` is the second classifier's row (nil: nothing to select by).
    /// Returns words for the evaluation's log line when the kept weights changed.
    public func record(weights: ParameterSet, step: Int, rows: [EvaluationRow], line: String, selectionRow: EvaluationRow?) throws
        -> String?
    {
        if snapshots {
            let folder = directory + "/" + Self.snapshotDirectory
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Self.write(Kept(weights: weights, step: step, line: line, rows: rows), to: folder + "/step-\(step).safetensors")
        }
        guard keepBest, let row = selectionRow, let distance = row.frechetDistance, let accuracy = row.classAccuracy else { return nil }
        var selection = best?.selection ?? BestSelection()
        let before = selection
        let replaced = selection.consider(.init(step: step, frechetDistance: distance, classAccuracy: accuracy))
        guard replaced || selection != before else { return nil }
        var kept = replaced ? Kept(weights: weights, step: step, line: line, rows: rows) : best
        kept?.selection = selection
        guard let kept else { return nil }
        try Self.write(kept, to: directory + "/" + Self.bestFile)
        best = kept
        return replaced ? "kept as best in RUN/\(Self.bestFile) (by \(row.model))" : nil
    }

    static func write(_ kept: Kept, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "format": format, "step": String(kept.step), "line": kept.line,
            "rows": String(decoding: try encoder.encode(kept.rows), as: UTF8.self),
        ]
        if let selection = kept.selection {
            metadata["selection"] = String(decoding: try encoder.encode(selection), as: UTF8.self)
            metadata["selection.rule"] = BestSelection.rule
        }
        let checkpoint = Checkpoint(tensors: kept.weights.namedTensors(prefix: "generator-ema."), metadata: metadata)
        try AtomicFile.write(try Safetensors.encode(checkpoint), to: path)
    }

    /// RUN/best.safetensors when it exists, else nil; a file that is not one is `RefinementError.corruptKeptWeights`.
    public static func loadBest(directory: String, architecture: NetworkArchitecture) throws(RefinementError) -> Kept? {
        let path = directory + "/" + bestFile
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try load(path, architecture: architecture)
    }

    public static func load(_ path: String, architecture: NetworkArchitecture) throws(RefinementError) -> Kept {
        let checkpoint: Checkpoint
        do { checkpoint = try Safetensors.read(from: path) } catch { throw .corruptKeptWeights(path: path, reason: Reason(cause: error)) }
        let metadata = checkpoint.metadata
        guard metadata["format"] == format, let step = metadata["step"].flatMap(Int.init),
            let rows = metadata["rows"].flatMap({ try? JSONDecoder().decode([EvaluationRow].self, from: Data($0.utf8)) })
        else {
            throw .corruptKeptWeights(path: path, reason: Reason("format \(metadata["format"] ?? "none") or its step and rows are missing"))
        }
        var selection: BestSelection?
        if let text = metadata["selection"] {
            guard let decoded = try? JSONDecoder().decode(BestSelection.self, from: Data(text.utf8)) else {
                throw .corruptKeptWeights(path: path, reason: "its selection state is malformed")
            }
            selection = decoded
        }
        var scratch = RandomSource(seed: 0)
        var weights = architecture.makeNetwork(random: &scratch).parameters
        do { try weights.load(from: checkpoint, prefix: "generator-ema.") } catch {
            throw .corruptKeptWeights(path: path, reason: Reason("its weights do not fit the student's architecture", cause: error))
        }
        return Kept(weights: weights, step: step, line: metadata["line"] ?? "", rows: rows, selection: selection)
    }
}
