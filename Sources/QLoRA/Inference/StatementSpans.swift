/// The strings the "Harmful Words:" section may copy from a statement, so that every harmful word
/// reported is a substring of what the user wrote.
enum StatementSpans {
    /// Characters that end a word: whitespace, and the list separators `ExplainedAnswer` splits on,
    /// so a copied span never reads back as two items.
    static func separates(_ c: Character) -> Bool { c.isWhitespace || c == "," || c == ";" }

    /// Punctuation and symbols a word may be quoted or followed by ("idiots!", "'them'").
    static func isEdge(_ c: Character) -> Bool { c.isPunctuation || c.isSymbol }

    /// Every word (a run of non-separators), the word without its leading and trailing punctuation,
    /// and every run of up to `maxWords` words joined by spaces only, each exactly as it appears in
    /// `statement`; first occurrence order, no duplicates.
    static func candidates(in statement: String, maxWords: Int = 3) -> [String] {
        var words: [Range<String.Index>] = []
        var i = statement.startIndex
        while i < statement.endIndex {
            guard !separates(statement[i]) else {
                i = statement.index(after: i)
                continue
            }
            var j = i
            while j < statement.endIndex && !separates(statement[j]) { j = statement.index(after: j) }
            words.append(i..<j)
            i = j
        }
        var seen = Set<String>(), out: [String] = []
        func add(_ s: Substring) {
            if !s.isEmpty, seen.insert(String(s)).inserted { out.append(String(s)) }
        }
        for (k, w) in words.enumerated() {
            add(statement[w])
            var lo = w.lowerBound, hi = w.upperBound
            while lo < hi && isEdge(statement[lo]) { lo = statement.index(after: lo) }
            while hi > lo && isEdge(statement[statement.index(before: hi)]) { hi = statement.index(before: hi) }
            add(statement[lo..<hi])
            var end = k
            while end + 1 < words.count && end + 1 - k < maxWords
                    && statement[words[end].upperBound..<words[end + 1].lowerBound].allSatisfy({ $0 == " " }) {
                end += 1
                add(statement[w.lowerBound..<words[end].upperBound])
            }
        }
        return out
    }
}
