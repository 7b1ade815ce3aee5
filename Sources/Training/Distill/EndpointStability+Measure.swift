// Measuring KAC.md §7's endpoint-stability figures of a student against a teacher: teacher
// trajectories from the prior on the student's grid (the teacher's sub-steps inside each interval),
// then at every grid point the student's one Euler step against the teacher's endpoint. The bound B
// follows from the Kac path: |v| ≤ c on the Kac part, |f′|·|x₀| ≤ max|f′| on the signal part (data
// in [−1, 1]), and classifier-free guidance at s scales a bound by at most 1 + 2|s − 1|.
import Foundation
import KacFlow
import ModelStore
import TensorCore
import Vocabulary

extension EndpointStability {
    /// B = (c·g′ + max|f′|·max|x₀|)·(1 + 2|s − 1|) for data in [−1, 1] and guidance scale `guidance`.
    public static func velocityBound(path: KacParameters, guidance: Double) -> Double {
        let kacTimeRate = path.schedule.kacTimeRate(time: 0)
        return (path.speed * kacTimeRate + path.schedule.maximumSignalRate(horizon: path.horizon)) * (1 + 2 * abs(guidance - 1))
    }

    /// `student` (M = stage.studentSteps Euler steps, sampled at s = 1: its guidance is baked in)
    /// against `teacher` (stage.substeps sub-steps per interval at stage.teacherGuidance) on `count`
    /// teacher trajectories from the prior (prior draws `seed`, labels drawn over every class).
    /// `fieldGuidance`: the scale the teacher's field carries, for B (the base teacher's s).
    public static func measure(
        student: DistillationTeacher, teacher: DistillationTeacher, stage: DistillationStage, fieldGuidance: Double,
        count: Int, seed: UInt64, teacherLabel: String
    ) -> EndpointStability {
        let pool = TeacherTrajectoryPool.build(
            teacher: teacher, stage: stage, count: count,
            labelSource: Array(0..<teacher.architecture.classCount), nullLabelFraction: 0, seed: seed)
        let perSample = pool.sampleShape.reduce(1, *)
        let field = student.generator.field(labels: pool.labels, guidance: Array(repeating: 1, count: count))
        let step = Sampler(integrator: .euler, steps: 1)
        var (total, largest) = (0.0, 0.0)
        for k in 0..<stage.studentSteps {
            var start = [Float](repeating: 0, count: count * perSample)
            var end = start
            for n in 0..<count {
                pool.copyPoint(trajectory: n, gridIndex: k, into: &start, row: n)
                pool.copyPoint(trajectory: n, gridIndex: k + 1, into: &end, row: n)
            }
            let from = Array(repeating: stage.gridTime(k, horizon: pool.horizon), count: count)
            let to = Array(repeating: stage.gridTime(k + 1, horizon: pool.horizon), count: count)
            let stepped = step.integrate(
                from: Tensor(shape: [count] + pool.sampleShape, scalars: start), startTimes: from, endTimes: to,
                velocity: field
            ).sample
            for n in 0..<count {
                var squares = 0.0
                for j in (n * perSample)..<((n + 1) * perSample) {
                    let difference = Double(stepped.scalars[j]) - Double(end[j])
                    squares += difference * difference
                }
                total += squares.squareRoot()
                largest = max(largest, squares.squareRoot())
            }
        }
        return EndpointStability(
            velocityBound: velocityBound(path: teacher.path, guidance: fieldGuidance),
            interval: pool.horizon / Double(stage.studentSteps), dimension: perSample,
            endpointErrorMean: total / Double(count * stage.studentSteps), endpointErrorMax: largest,
            teacher: teacherLabel, sampleCount: count)
    }
}
