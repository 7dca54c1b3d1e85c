extension Tokenizer {
    /// "▁" (U+2581) in UTF-8.
    static let spaceSymbol: [UInt8] = [0xE2, 0x96, 0x81]

    /// SentencePiece's identity normalizer (`Normalizer::Normalize` without a character map):
    /// optional trimming and collapsing of U+0020 runs, the dummy-prefix space, and U+0020 -> U+2581.
    /// Only U+0020 counts as whitespace; tabs and newlines pass through unchanged.
    /// `atTextStart` is false for a piece of text after a special token (Hugging Face's Metaspace
    /// "first" scheme then adds no prefix).
    func normalize(_ utf8: ArraySlice<UInt8>, atTextStart: Bool = true) -> [UInt8] {
        let space = normalization.escapeWhitespaces ? Tokenizer.spaceSymbol : [0x20]
        var index = utf8.startIndex
        if normalization.removeExtraWhitespaces {
            while index != utf8.endIndex && utf8[index] == 0x20 { index = utf8.index(after: index) }
        }
        guard index != utf8.endIndex else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 3)
        if normalization.addDummyPrefix {
            let startsWithSpace = utf8[index] == 0x20 || utf8[index...].starts(with: Tokenizer.spaceSymbol)
            if prefixRule == .always || (atTextStart && !startsWithSpace) { out.append(contentsOf: space) }
        }
        var previousWasSpace = normalization.removeExtraWhitespaces
        while index != utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            if byte == 0x20 {
                if previousWasSpace { continue }
                out.append(contentsOf: space)
                previousWasSpace = normalization.removeExtraWhitespaces
            } else {
                out.append(byte)
                previousWasSpace = false
            }
        }
        if normalization.removeExtraWhitespaces {
            while out.count >= space.count && out.suffix(space.count).elementsEqual(space) {
                out.removeLast(space.count)
            }
        }
        return out
    }
}
