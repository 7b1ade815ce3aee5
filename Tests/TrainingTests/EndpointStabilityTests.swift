// KAC.md §7's endpoint-stability figures (EndpointStability.measure) on the toy teacher: a student
// that is its teacher's own Euler step has no endpoint error, a 1-step student against 8 teacher
// sub-steps has some, and the bound is that error plus B·√d·Δ/2 with B from the Kac path.
import KacFlow
import ModelStore
import Testing
import Training
import Vocabulary

struct EndpointStabilityTests {
    @Test func velocityBoundFollowsThePathAndGuidance() {
        let path = KacParameters(dampingRate: 9, speed: 3, horizon: 1, schedule: .linear)
        #expect(EndpointStability.velocityBound(path: path, guidance: 1) == 4)
        #expect(EndpointStability.velocityBound(path: path, guidance: 1.5) == 8)
        let cosine = KacParameters(dampingRate: 9, speed: 3, horizon: 1, schedule: .cosine)
        #expect(abs(EndpointStability.velocityBound(path: cosine, guidance: 1) - (3 + Double.pi / 2)) < 1e-12)
    }

    @Test func aStudentThatIsItsTeachersEulerStepHasNoEndpointError() {
        let teacher = sharedToyTeacher.teacher
        let stage = DistillationStage(
            index: 0, teacherSteps: 4, studentSteps: 4, substeps: 1, teacherIntegrator: .euler, teacherGuidance: 1)
        let same = EndpointStability.measure(
            student: teacher, teacher: teacher, stage: stage, fieldGuidance: 1, count: 64, seed: 3, teacherLabel: "itself")
        #expect(same.endpointErrorMax < 1e-5, "\(same)")
        #expect(same.interval == 0.25 && same.dimension == 2 && same.sampleCount == 64)
        let bound = same.velocityBound * Double(2).squareRoot() * 0.25 / 2
        #expect(abs(same.pathErrorBound - same.endpointErrorMax - bound) < 1e-12)

        // The same network taking one step where the teacher takes eight: a real endpoint error.
        let coarse = DistillationStage(
            index: 0, teacherSteps: 8, studentSteps: 1, substeps: 8, teacherIntegrator: .euler, teacherGuidance: 1)
        let jump = EndpointStability.measure(
            student: teacher, teacher: teacher, stage: coarse, fieldGuidance: 1, count: 64, seed: 3, teacherLabel: "itself")
        #expect(jump.endpointErrorMean > 0.05, "\(jump)")
        #expect(jump.endpointErrorMax >= jump.endpointErrorMean)
        #expect(jump.interval == 1)
    }
}
