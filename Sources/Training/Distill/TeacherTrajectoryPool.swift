// A pool of teacher trajectories for trajectory-start distillation: P prior draws, each integrated
// by the stage's teacher over the student's M intervals, every grid point x_{t_0} … x_{t_M} kept.
// P·M training pairs cost as many teacher passes as P·M forward-start batches rows would, and can
// be revisited for free. A stage with a guidance range gives every trajectory its own scale s
// (kept in the pool: the student is trained at it). Invariant: the pool depends only on (teacher
// weights, stage, seed, labels source), so a resumed stage reads (or rebuilds) exactly the pool it
// started with.
import Foundation
import KacFlow
import ModelStore
import TensorCore

public struct TeacherTrajectoryPool: Sendable {
    public let stage: DistillationStage
    public let horizon: Double
    public let sampleShape: [Int]
    /// [P], the label every trajectory was integrated with (∅ = classCount for some).
    public let labels: [Int]
    /// [P], the guidance scale every trajectory was integrated at; nil unless the stage has a range.
    public let guidance: [Float]?
    /// [P, M + 1, ...sampleShape], grid point g of trajectory p at t_g.
    public let points: [Float]

    public static let format = "kac-distillation-pool/1"

    public init(stage: DistillationStage, horizon: Double, sampleShape: [Int], labels: [Int], guidance: [Float]?, points: [Float]) {
        precondition(
            points.count == labels.count * (stage.studentSteps + 1) * sampleShape.reduce(1, *),
            "TeacherTrajectoryPool: \(points.count) values for \(labels.count) trajectories of \(stage.studentSteps + 1) points")
        self.stage = stage
        self.horizon = horizon
        self.sampleShape = sampleShape
        self.labels = labels
        self.guidance = guidance
        self.points = points
    }

    public var trajectoryCount: Int { labels.count }
    /// Training pairs (one per trajectory and interval): the objective's dataset size.
    public var pairCount: Int { trajectoryCount * stage.studentSteps }

    /// (trajectory, interval) of pair `index`.
    public func pair(_ index: Int) -> (trajectory: Int, interval: Int) {
        (index / stage.studentSteps, index % stage.studentSteps)
    }

    /// Copies grid point `gridIndex` of `trajectory` into row `row` of a [B, ...] buffer.
    func copyPoint(trajectory: Int, gridIndex: Int, into buffer: inout [Float], row: Int) {
        let perSample = sampleShape.reduce(1, *)
        let source = (trajectory * (stage.studentSteps + 1) + gridIndex) * perSample
        buffer.replaceSubrange(
            row * perSample..<(row + 1) * perSample,
            with: points[source..<(source + perSample)])
    }

    /// XXX: the teacher restarts its integrator at every student grid point, so AB-2 takes an
    /// Euler sub-step there (as forward starts must); a 100-step AB-2 run straight through differs.
    /// Integrates `count` trajectories of `teacher` in chunks of `chunkSize`. Labels are those of
    /// uniformly drawn dataset rows (`labelSource`), replaced by ∅ with `nullLabelFraction`; scales
    /// (guidance range only) are drawn after all labels; prior draw p is
    /// `KacPath.prior(seed: seed, index: p)`. `onChunk(done)` reports progress.
    public static func build(
        teacher: DistillationTeacher, stage: DistillationStage, count: Int, labelSource: [Int],
        nullLabelFraction: Double, seed: UInt64, chunkSize: Int = 256,
        onChunk: ((Int) -> Void)? = nil
    ) -> TeacherTrajectoryPool {
        precondition(count >= 1 && !labelSource.isEmpty, "trajectory pool needs count ≥ 1 and a label source")
        let path = KacPath(configuration: teacher.path)
        let shape = teacher.architecture.sampleShape
        let perSample = shape.reduce(1, *)
        let gridPoints = stage.studentSteps + 1
        var random = RandomSource(seed: seed, stream: 1)
        let nullLabel = teacher.architecture.classCount
        let labels = (0..<count).map { _ in
            let label = labelSource[random.index(below: labelSource.count)]
            return random.uniform() < nullLabelFraction ? nullLabel : label
        }
        let guidance = stage.drawGuidance(count: count, random: &random)
        var points = [Float](repeating: 0, count: count * gridPoints * perSample)
        for first in stride(from: 0, to: count, by: chunkSize) {
            let chunk = min(chunkSize, count - first)
            let chunkLabels = Array(labels[first..<(first + chunk)])
            let chunkGuidance = guidance.map { Array($0[first..<(first + chunk)]) }
            var x = path.prior(shape: [chunk] + shape, seed: seed, index: first)
            for k in 0...stage.studentSteps {
                if k > 0 {
                    x = teacher.endpoints(
                        from: x, intervals: Array(repeating: k - 1, count: chunk),
                        labels: chunkLabels, guidance: chunkGuidance, stage: stage)
                }
                for n in 0..<chunk {
                    let destination = ((first + n) * gridPoints + k) * perSample
                    points.replaceSubrange(
                        destination..<(destination + perSample),
                        with: x.scalars[(n * perSample)..<((n + 1) * perSample)])
                }
            }
            onChunk?(first + chunk)
        }
        return TeacherTrajectoryPool(
            stage: stage, horizon: path.horizon, sampleShape: shape, labels: labels,
            guidance: guidance, points: points)
    }

    /// The same trajectories on the coarser grid of `stage` (whose step count divides this pool's):
    /// grid points 0, s, 2s, … with s = this pool's steps / the stage's steps.
    public func subsampled(for stage: DistillationStage) -> TeacherTrajectoryPool? {
        let fine = self.stage.studentSteps, coarse = stage.studentSteps
        guard coarse >= 1, fine % coarse == 0, (stage.guidanceRange == nil) == (guidance == nil) else { return nil }
        let stride = fine / coarse
        let perSample = sampleShape.reduce(1, *)
        var subsampled = [Float]()
        subsampled.reserveCapacity(trajectoryCount * (coarse + 1) * perSample)
        for trajectory in 0..<trajectoryCount {
            for k in 0...coarse {
                let source = (trajectory * (fine + 1) + k * stride) * perSample
                subsampled.append(contentsOf: points[source..<(source + perSample)])
            }
        }
        return TeacherTrajectoryPool(
            stage: stage, horizon: horizon, sampleShape: sampleShape, labels: labels,
            guidance: guidance, points: subsampled)
    }

    /// Writes the pool atomically as safetensors (`points`, `labels`, `guidance` when the stage has a
    /// range, stage and `identity` in the metadata).
    public func save(to path: String, identity: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var tensors = [
            NamedTensor(name: "points", shape: [trajectoryCount, stage.studentSteps + 1] + sampleShape, values: points),
            NamedTensor(name: "labels", shape: [trajectoryCount], values: labels.map(Float.init)),
        ]
        if let guidance { tensors.append(NamedTensor(name: "guidance", shape: [trajectoryCount], values: guidance)) }
        let checkpoint = Checkpoint(
            tensors: tensors,
            metadata: identity.merging([
                "format": Self.format, "horizon": String(horizon),
                "stage": String(decoding: try encoder.encode(stage), as: UTF8.self),
            ]) { _, own in own })
        try Safetensors.write(checkpoint, to: path)
    }

    /// Reads a pool written by `save`; nil (rebuild it) when it was made for another stage or its
    /// metadata lacks or differs from any entry of `identity` (what made it: a model, a seed).
    public static func load(from path: String, stage: DistillationStage, identity: [String: String] = [:]) throws -> TeacherTrajectoryPool? {
        let checkpoint = try Safetensors.read(from: path)
        guard checkpoint.metadata["format"] == format, let stageText = checkpoint.metadata["stage"],
            let horizon = checkpoint.metadata["horizon"].flatMap(Double.init),
            let points = checkpoint["points"], let labels = checkpoint["labels"], points.shape.count >= 2
        else { throw DistillationError.corruptFile(path: path, reason: "not a \(format) file") }
        guard try JSONDecoder().decode(DistillationStage.self, from: Data(stageText.utf8)) == stage,
            identity.allSatisfy({ checkpoint.metadata[$0.key] == $0.value })
        else { return nil }
        let guidance = checkpoint["guidance"]
        guard (guidance != nil) == (stage.guidanceRange != nil), guidance.map({ $0.shape == labels.shape }) ?? true else {
            throw DistillationError.corruptFile(path: path, reason: "its guidance scales do not fit its stage")
        }
        return TeacherTrajectoryPool(
            stage: stage, horizon: horizon, sampleShape: Array(points.shape.dropFirst(2)),
            labels: labels.values.map { Int($0) }, guidance: guidance?.values, points: points.values)
    }
}
