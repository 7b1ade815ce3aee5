// "Did you mean": the nearest known word within a third of the word's letters (1 to 3 edits,
// adjacent swaps counting one), case-insensitive, and nothing for a word that is known or far off.
import Testing
import Vocabulary

@Suite struct SpellingTests {
    static let keys = ["spool", "zoo", "poll-interval", "lease-timeout", "max-count", "max-scale"]

    @Test func nearestWordWithinAThirdOfItsLetters() {
        #expect(Spelling.closest(to: "poll-intervall", among: Self.keys) == "poll-interval")
        #expect(Spelling.closest(to: "spoool", among: Self.keys) == "spool")
        #expect(Spelling.closest(to: "lease-timoeut", among: Self.keys) == "lease-timeout")  // a swap is one edit
        #expect(Spelling.closest(to: "MAX-COUNT", among: Self.keys) == nil)  // known, whatever the case
        #expect(Spelling.closest(to: "max-cout", among: Self.keys) == "max-count")
        #expect(Spelling.closest(to: "icons/techer", among: ["icons/teacher", "icons/student-1"]) == "icons/teacher")
        #expect(Spelling.closest(to: "bogus", among: Self.keys) == nil)
        #expect(Spelling.closest(to: "zo", among: Self.keys) == "zoo")
        #expect(Spelling.closest(to: "x", among: []) == nil)
        #expect(Spelling.suggestion(for: "spol", among: Self.keys) == " Did you mean spool?")
        #expect(Spelling.suggestion(for: "threads", among: Self.keys) == "")
    }
}

@Suite struct KebabCaseTests {
    @Test func caseNamesAsTheCommandLineSpellsThem() {
        #expect(Spelling.kebabCase("eightGaussians") == "eight-gaussians")
        #expect(Spelling.kebabCase("leadingSlice") == "leading-slice")
        #expect(Spelling.kebabCase("random") == "random")
    }
}
