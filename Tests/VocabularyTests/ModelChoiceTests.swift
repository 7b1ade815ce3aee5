// How a request chooses its generator has one spelling in outputs (`quality=best`, `maxSteps=4`,
// the reference as written), and result.json's `goal` reads back to the goal it was written from;
// nothing else reads back (no sign, no leading zero, no unknown preset).
import Foundation
import Testing
import Vocabulary

@Suite struct ModelChoiceTests {
    @Test func goalsAndChoicesSpellTheWayResultsAndStatusShowThem() throws {
        #expect(SelectionGoal.best == .quality(.best) && SelectionGoal.best.description == "quality=best")
        #expect(SelectionGoal.stepBudget(4).description == "maxSteps=4")
        #expect(ModelChoice.quality(.fastest) == .goal(.quality(.fastest)) && ModelChoice.stepBudget(2) == .goal(.stepBudget(2)))
        #expect(ModelChoice.quality(.balanced).description == "quality=balanced")
        let reference = try ModelReference(parsing: "fashion-mnist/student-4@3")
        #expect(ModelChoice.reference(reference).description == "fashion-mnist/student-4@3")
    }

    @Test func aGoalReadsBackOnlyFromItsOwnSpelling() throws {
        for goal in QualityPreset.allCases.map(SelectionGoal.quality) + [.stepBudget(1), .stepBudget(1000)] {
            #expect(SelectionGoal(goal.description) == goal)
            let json = try JSONEncoder().encode([goal])
            #expect(String(decoding: json, as: UTF8.self) == "[\"\(goal)\"]")
            #expect(try JSONDecoder().decode([SelectionGoal].self, from: json) == [goal])
        }
        for text in ["quality=good", "maxSteps=+4", "maxSteps=04", "maxSteps=", "best", "quality=best ", "maxsteps=4"] {
            #expect(SelectionGoal(text) == nil, "\(text)")
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SelectionGoal].self, from: Data(#"["quality=good"]"#.utf8)) }
    }

    /// result.json's `requested` is a ModelChoice encoded as the text it always was, and reads back.
    @Test func aChoiceEncodesAsItsSpellingAndReadsBack() throws {
        let choices: [ModelChoice] = [
            .quality(.best), .stepBudget(4), .reference(try ModelReference(parsing: "fashion-mnist/student-4@3")),
            .reference(try ModelReference(parsing: "shapes/teacher")), .reference(try ModelReference(parsing: "sha256-0123abcd")),
        ]
        let json = try JSONEncoder().encode(choices)
        #expect(
            String(decoding: json, as: UTF8.self)
                == #"["quality=best","maxSteps=4","fashion-mnist\/student-4@3","shapes\/teacher","sha256-0123abcd"]"#)
        #expect(try JSONDecoder().decode([ModelChoice].self, from: json) == choices)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ModelChoice].self, from: Data(#"["no such/name/here"]"#.utf8)) }
    }
}
