import TestSupport
// The reference grammar: canonical spellings round-trip, random strings either parse to a value
// that prints and re-parses to itself or are refused with a reason, and the documented edge cases.
import Testing
import Vocabulary

struct ModelReferenceTests {
    @Test(arguments: [
        ("fashion-mnist/teacher", "fashion-mnist/teacher"),
        ("fashion-mnist/teacher:latest", "fashion-mnist/teacher"),
        ("fashion-mnist/teacher:stable", "fashion-mnist/teacher:stable"),
        ("fashion-mnist/student-1@2", "fashion-mnist/student-1@2"),
        ("sha256-6E6A9695", "sha256-6e6a9695"),
        ("sha256:6e6a969549568160", "sha256-6e6a969549568160"),
        ("teacher", "teacher"),
    ])
    func canonicalSpelling(text: String, printed: String) throws {
        let reference = try ModelReference(parsing: text)
        #expect(reference.description == printed)
        #expect(try ModelReference(parsing: printed) == reference)
    }

    @Test(arguments: [
        "sha256-abcd", "Fashion/Teacher", "name@x", "name@0", "name@-1", "name@1.5", "a/b/c", "", "/teacher",
        "teacher/", "a//b", ".hidden", "a..b", "name.json", "name:", "name:Bad", "name:a/b", "sha256-" + String(repeating: "a", count: 65),
        "sha256-zzzzzzzz", "name@", "tea cher", "name@١",
    ])
    func refused(text: String) {
        #expect(throws: ReferenceError.self) { try ModelReference(parsing: text) }
    }

    /// Random strings over the grammar's alphabet (and a few strangers): every accepted string
    /// prints canonically and re-parses to the same reference.
    @Test func randomStringsRoundTrip() {
        var random = SplitMix64(state: 42)
        let alphabet = Array("abcz09-_./@:Ashs256") + ["é", " "]
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int(random.next() % 24)
            let text = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            guard let reference = try? ModelReference(parsing: text) else { continue }
            accepted += 1
            #expect((try? ModelReference(parsing: reference.description)) == reference, "\(text) → \(reference)")
        }
        #expect(accepted > 100, "the generator should produce some valid references (got \(accepted))")
    }

    @Test func classLabelsResolveAgainstTheModelsNames() throws {
        let names = ClassNames.fashionMNIST
        #expect(try names.resolve([.name("Sneaker"), .index(8), ClassLabel(parsing: " 3 ")], model: "m") == [7, 8, 3])
        let error = #expect(throws: ClassLabelError.self) { try names.resolve(.name("cat"), model: "fashion-mnist/teacher@1") }
        #expect(error?.description.contains("7 sneaker") == true)
        #expect(throws: ClassLabelError.self) { try names.resolve(.index(10), model: "m") }
        #expect(ClassNames.implied(byDataset: "fashion-mnist", classCount: 10) == .fashionMNIST)
        #expect(ClassNames.implied(byDataset: "shapes", classCount: 3).names == ["class0", "class1", "class2"])
    }
}
