import Foundation

/// Learns a SentencePiece-style BPE vocabulary from text, laid out as Llama 2's tokenizer:
/// `<unk>`, `<s>`, `</s>` at ids 0, 1, 2, the 256 byte-fallback pieces `<0x00>`...`<0xFF>`, then
/// the learned merges (score = -rank) and finally the single characters of the text.
///
/// Text is normalized as the tokenizer encodes it (dummy-prefix space, spaces escaped as "▁").
/// Merges may span words, so text that repeats verbatim (a fixed prompt) collapses into a few
/// long pieces; they never span a newline, which stays a byte piece as in Llama 2. Because each
/// merged piece scores above every later one, the tokenizer's highest-score-first merging
/// replays the learned merges in order.
public enum TokenizerTrainer {
    /// A tokenizer with at most `vocabularySize` pieces learned from `texts`. Merging stops early
    /// when no adjacent pair occurs twice. Ties between equally frequent pairs go to the pair
    /// whose merged text sorts first (then to the lower symbol ids), so the result depends only on the texts.
    public static func train(texts: [String], vocabularySize: Int) -> Tokenizer {
        let specials = ["<unk>", "<s>", "</s>"]
        let bytePieces = (0..<256).map { String(format: "<0x%02X>", $0) }
        precondition(vocabularySize > specials.count + bytePieces.count,
                     "TokenizerTrainer.train: vocabulary size \(vocabularySize) leaves no room beyond the \(specials.count + bytePieces.count) fixed pieces")

        var chunkCounts: [String: Int] = [:]
        for text in texts where !text.isEmpty {
            let normalized = "\u{2581}" + text.replacingOccurrences(of: " ", with: "\u{2581}")
            for chunk in normalized.split(separator: "\n", omittingEmptySubsequences: true) { chunkCounts[String(chunk), default: 0] += 1 }
        }
        let chunks = chunkCounts.keys.sorted()
        let counts = chunks.map { chunkCounts[$0]! }

        var characterCounts: [String: Int] = [:]
        for (chunk, count) in zip(chunks, counts) {
            for scalar in chunk.unicodeScalars { characterCounts[String(scalar), default: 0] += count }
        }
        let characters = characterCounts.keys.sorted { (characterCounts[$0]!, $1) > (characterCounts[$1]!, $0) }
        var symbolText = characters
        var symbolID = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
        var sequences = chunks.map { $0.unicodeScalars.map { symbolID[String($0)]! } }

        let budget = vocabularySize - specials.count - bytePieces.count - characters.count
        var merges: [String] = []
        while merges.count < budget {
            var pairCounts: [UInt64: Int] = [:]
            for (sequence, count) in zip(sequences, counts) where sequence.count > 1 {
                for i in 0..<(sequence.count - 1) {
                    pairCounts[UInt64(UInt32(sequence[i])) << 32 | UInt64(UInt32(sequence[i + 1])), default: 0] += count
                }
            }
            var best: (key: UInt64, count: Int, text: String)?
            for (key, count) in pairCounts where count >= 2 {
                if let b = best, count < b.count { continue }
                let text = symbolText[Int(key >> 32)] + symbolText[Int(key & 0xFFFF_FFFF)]
                if let b = best, count == b.count, (text, key) >= (b.text, b.key) { continue }
                best = (key, count, text)
            }
            guard let best else { break }
            let merged: Int32
            if let existing = symbolID[best.text] {
                merged = existing
            } else {
                merged = Int32(symbolText.count)
                symbolText.append(best.text)
                symbolID[best.text] = merged
                merges.append(best.text)
            }
            let left = Int32(best.key >> 32), right = Int32(best.key & 0xFFFF_FFFF)
            for s in sequences.indices where sequences[s].count > 1 {
                var out: [Int32] = []
                out.reserveCapacity(sequences[s].count)
                var i = 0
                let sequence = sequences[s]
                while i < sequence.count {
                    if i + 1 < sequence.count && sequence[i] == left && sequence[i + 1] == right {
                        out.append(merged)
                        i += 2
                    } else {
                        out.append(sequence[i])
                        i += 1
                    }
                }
                sequences[s] = out
            }
        }

        let pieces = specials + bytePieces + merges + characters
        let scores = [Float](repeating: 0, count: specials.count + bytePieces.count)
            + (0..<(merges.count + characters.count)).map { -Float($0) }
        let types: [Tokenizer.PieceType] = [.unknown, .control, .control]
            + [Tokenizer.PieceType](repeating: .byte, count: 256)
            + [Tokenizer.PieceType](repeating: .normal, count: merges.count + characters.count)
        // The pieces are distinct by construction (merges are added only when new, characters are
        // single scalars, never "<...>" spellings of six or more bytes), so this cannot throw.
        return try! Tokenizer(file: "TokenizerTrainer", pieces: pieces, scores: scores, types: types,
                              unknownID: 0, bosID: 1, eosID: 2, padID: nil, byteFallback: true,
                              normalization: Tokenizer.Normalization(), rejectDuplicates: true)
    }
}
