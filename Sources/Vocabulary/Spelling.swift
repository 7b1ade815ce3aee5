// "Did you mean …?": the closest of a list of known words to a mistyped one, for every message
// that refuses a name (a model, a configuration key). Closeness is the Damerau–Levenshtein distance
// (insertions, deletions, substitutions, adjacent swaps), compared case-insensitively; a word is
// suggested only when at most a third of its letters (at least one, at most three) are off.

public enum Spelling {
    /// The known word nearest to `word`, or nil when none is close enough (or `word` is known).
    public static func closest(to word: String, among known: [String]) -> String? {
        let target = Array(word.lowercased())
        let allowed = min(3, max(1, target.count / 3))
        var best: (word: String, distance: Int)?
        for candidate in known {
            let distance = self.distance(target, Array(candidate.lowercased()))
            guard distance > 0, distance <= allowed else { continue }
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.word
    }

    /// eightGaussians → eight-gaussians: how a Swift case name is spelled on the command line and in files.
    public static func kebabCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "-" + character.lowercased() } else { result.append(character) }
        }
    }

    /// " Did you mean X?" or "" — ready to append to a sentence.
    public static func suggestion(for word: String, among known: [String]) -> String {
        closest(to: word, among: known).map { " Did you mean \($0)?" } ?? ""
    }

    /// Optimal-string-alignment distance between `a` and `b`.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
