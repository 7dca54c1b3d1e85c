extension Tokenizer {
    /// Builds a byte-level BPE tokenizer (GPT-2 family) from a vocabulary in GPT-2's byte spelling
    /// ("Ġ" for a space) and its merges, as GGUF (`tokenizer.ggml.model = gpt2`) and Hugging Face
    /// tokenizer.json (ByteLevel pre-tokenizer) store them.
    ///
    /// Control and user-defined pieces (GGUF token types; tokenizer.json added tokens) are matched in
    /// the raw text before pre-tokenization; control pieces vanish when decoding.
    /// - Parameters:
    ///   - merges: pairs of pieces in rank order, lowest rank (first merged) first.
    ///   - vocabularyField, mergesField: the names of the fields in `file`, for error messages.
    /// - Throws: `TokenizerError` when a merge names a piece outside the vocabulary or joins into one,
    ///   or the vocabulary lacks the byte characters of space and printable ASCII (it is then not in
    ///   GPT-2's byte spelling; other missing bytes are dropped when encoding, as `tokenizers` does).
    init(file: String, byteLevelPieces pieces: [String], types: [PieceType], merges: [(String, String)],
         preTokenizer: PreTokenizer, ignoresMerges: Bool, bosID: Int?, eosID: Int?, padID: Int?,
         addsBOS: Bool, chatTemplate: String?, vocabularyField: String, mergesField: String,
         rejectDuplicates: Bool) throws {
        precondition(pieces.count == types.count, "Tokenizer.init(byteLevelPieces:): \(pieces.count) pieces, \(types.count) types")
        func fail(_ field: String, _ reason: String) -> TokenizerError { TokenizerError(file: file, field: field, reason: reason) }
        let table = PieceTable(pieces: pieces)
        for byte in [0x20] + Array(0x21...0x7E) {
            let symbol = String(Character(ByteLevelAlphabet.scalars[byte]))
            guard table.find(symbol) != nil else {
                throw fail(vocabularyField, String(format: "byte-level vocabulary lacks %@, the character of byte 0x%02X (not in GPT-2's byte spelling?)", symbol.debugDescription, byte))
            }
        }
        guard merges.count < 1 << 24 else { throw fail(mergesField, "\(merges.count) merges; at most 2^24 are supported") }
        var ranked: [(left: Int32, right: Int32, merged: Int32)] = []
        ranked.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let a = table.find(left) else { throw fail("\(mergesField)[\(rank)]", "\(left.debugDescription) is not in the vocabulary") }
            guard let b = table.find(right) else { throw fail("\(mergesField)[\(rank)]", "\(right.debugDescription) is not in the vocabulary") }
            guard let merged = table.find(left + right) else {
                throw fail("\(mergesField)[\(rank)]", "the merge result \((left + right).debugDescription) is not in the vocabulary")
            }
            ranked.append((Int32(a), Int32(b), Int32(merged)))
        }
        let model = ByteLevelBPE(pieces: pieces, table: table, merges: MergeRanks(ranked), preTokenizer: preTokenizer, ignoresMerges: ignoresMerges)
        let added = types.indices.filter { (types[$0] == .control || types[$0] == .userDefined) && !pieces[$0].isEmpty }
        try self.init(file: file, pieces: pieces, scores: Array(repeating: 0, count: pieces.count), types: types,
                      unknownID: nil, bosID: bosID, eosID: eosID, padID: padID, byteFallback: false,
                      normalization: Normalization(addDummyPrefix: false, removeExtraWhitespaces: false, escapeWhitespaces: false),
                      decodedPrefix: .keep, addedTokens: added.map { (Array(pieces[$0].utf8), $0) },
                      rejectDuplicates: rejectDuplicates, byteLevel: model, addsBOS: addsBOS, chatTemplate: chatTemplate)
    }
}
