// Endpoint-only distillation as a training objective (KAC.md §7), so the ordinary Trainer (Adam,
// clipping, EMA, resumable checkpoints) runs every stage. A batch is (x_{t_k}, t_k, y) with the
// velocity target (x_{t_k} − x̄)/Δ that makes the student's one Euler step land on the teacher's
// endpoint x̄. Forward starts integrate the teacher inside `batch`; trajectory starts read pairs
// of consecutive grid points from a precomputed pool. A stage with a guidance range adds each
// sample's scale s to the batch (the student's input; the teacher was guided at the same s).
// All randomness comes from the passed source.
import KacFlow
import TensorCore

/// Forward-noised starts: x₀ from the data, k uniform in 0..<M, x_{t_k} = f(t_k)x₀ + K(g(t_k)),
/// the label dropped to ∅ with probability `training.labelDropout`, s uniform in the stage's range.
public struct ForwardStartObjective: TrainingObjective {
    public let dataset: LabeledDataset
    public let teacher: DistillationTeacher
    public let stage: DistillationStage
    public let nullLabelFraction: Double

    public init(dataset: LabeledDataset, teacher: DistillationTeacher, stage: DistillationStage, nullLabelFraction: Double) {
        self.dataset = dataset
        self.teacher = teacher
        self.stage = stage
        self.nullLabelFraction = nullLabelFraction
    }

    public func batch(indices: [Int], random: inout RandomSource) -> TrainingBatch {
        let (data, dataLabels) = dataset.batch(indices: indices)
        let path = KacPath(configuration: teacher.path)
        let intervals = indices.map { _ in random.index(below: stage.studentSteps) }
        let times = intervals.map { stage.gridTime($0, horizon: path.horizon) }
        let nullLabel = teacher.architecture.classCount
        let labels = dataLabels.map { random.uniform() < nullLabelFraction ? nullLabel : $0 }
        let guidance = stage.drawGuidance(count: indices.count, random: &random)
        let start = path.noise(data, times: times, random: &random).noised
        let endpoint = teacher.endpoints(from: start, intervals: intervals, labels: labels, guidance: guidance, stage: stage)
        let target = endpointVelocityTarget(
            start: start, endpoint: endpoint,
            interval: Float(path.horizon / Double(stage.studentSteps)))
        return TrainingBatch(inputs: start, times: times, labels: labels, target: target, guidance: guidance)
    }
}

/// Trajectory starts: dataset row i of the trainer's iterator is pair i of the pool, i.e.
/// (trajectory i / M, interval i % M); start x_{t_k} and endpoint x_{t_{k+1}} are consecutive grid
/// points of one teacher trajectory, whose label and scale s the pair takes. Deterministic given the
/// pool (draws nothing from `random`).
public struct TrajectoryStartObjective: TrainingObjective {
    public let pool: TeacherTrajectoryPool

    public init(pool: TeacherTrajectoryPool) {
        self.pool = pool
    }

    public func batch(indices: [Int], random: inout RandomSource) -> TrainingBatch {
        let stage = pool.stage
        let perSample = pool.sampleShape.reduce(1, *)
        var start = [Float](repeating: 0, count: indices.count * perSample)
        var endpoint = start
        var times: [Float] = [], labels: [Int] = []
        var guidance: [Float]? = pool.guidance == nil ? nil : []
        for (row, pair) in indices.enumerated() {
            let (trajectory, interval) = pool.pair(pair)
            pool.copyPoint(trajectory: trajectory, gridIndex: interval, into: &start, row: row)
            pool.copyPoint(trajectory: trajectory, gridIndex: interval + 1, into: &endpoint, row: row)
            times.append(stage.gridTime(interval, horizon: pool.horizon))
            labels.append(pool.labels[trajectory])
            if let scales = pool.guidance { guidance?.append(scales[trajectory]) }
        }
        let shape = [indices.count] + pool.sampleShape
        let startTensor = Tensor(shape: shape, scalars: start)
        let target = endpointVelocityTarget(
            start: startTensor, endpoint: Tensor(shape: shape, scalars: endpoint),
            interval: Float(pool.horizon / Double(stage.studentSteps)))
        return TrainingBatch(inputs: startTensor, times: times, labels: labels, target: target, guidance: guidance)
    }
}
