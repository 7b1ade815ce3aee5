// Escaping text from outside before it reaches a log line or a terminal.
import Testing
import Vocabulary

@Suite struct EscapedTests {
    @Test func controlCharactersAndBidiOverridesBecomeVisibleEscapes() {
        #expect(Escaped.text("plain text, ünïcødé ✓") == "plain text, ünïcødé ✓")
        #expect(Escaped.text("a\nb\rc\u{0}d\u{1B}[31me\u{7F}f\u{85}g") == "a\\u{A}b\\u{D}c\\u{0}d\\u{1B}[31me\\u{7F}f\\u{85}g")
        #expect(Escaped.text("\u{202E}txt.exe") == "\\u{202E}txt.exe")
        #expect(Escaped.text("abcdef", limit: 3) == "abc…")
        #expect(Escaped.needsEscaping("x\ty") && !Escaped.needsEscaping("x y"))
    }
}
