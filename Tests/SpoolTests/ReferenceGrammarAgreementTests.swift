// Job files and the zoo read model references with one grammar: for random strings, the job
// validator accepts exactly what the zoo parses, and a refused reference is refused by both for
// the same reason (the zoo then fails only with "not found").
import Foundation
import ModelStore
import Spool
import TestSupport
import Testing
import Vocabulary

@Suite struct ReferenceGrammarAgreementTests {
    @Test func validatorAndZooAgreeOnRandomReferences() throws {
        let zoo = TemporaryDirectory(prefix: "kac-grammar")
        let store = try ModelStore(root: zoo.path, create: true)
        let validator = JobValidator()
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ab09-_./@:Asha256ef") + ["é", " ", "\""]
        var accepted = 0
        for round in 0..<3000 {
            let length = Int.random(in: 0...20, using: &random)
            var text = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            if round % 3 == 0 { text = "sha256-" + text }
            let job = Array(#"{"schema": 1, "model": \#(JSONValue.quoted(text))}"#.utf8)
            let validated = Result { try validator.validate(job) }
            do {
                _ = try store.resolve(text)
                Issue.record("an empty zoo resolved \(text)")
            } catch let error as ModelStoreError {
                switch (validated, error) {
                case (.success, .notFound):
                    accepted += 1
                case let (.failure(refusal as JobValidationError), .invalidReference(reason)):
                    #expect(refusal.field == "model" && refusal.description.contains(reason.description), "\(text)")
                default:
                    Issue.record("\(text): validator \(validated), zoo \(error)")
                }
            }
        }
        #expect(accepted > 50, "random strings should include valid references (got \(accepted))")
    }
}
