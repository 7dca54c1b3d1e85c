extension Tokenizer {
    /// Builds a SentencePiece-BPE tokenizer from vocabulary arrays, as stored in GGUF metadata
    /// (`tokenizer.ggml.tokens`, `.scores`, `.token_type`, `.bos_token_id`, `.eos_token_id`,
    /// `.unknown_token_id`, `.add_space_prefix`).
    ///
    /// Pieces spell spaces as "▁". Byte fallback is on when all 256 `<0xNN>` pieces have type `.byte`.
    /// - Parameter file: the name used in error messages.
    /// - Throws: `TokenizerError` when the arrays differ in length, an id is out of range, or a
    ///   piece repeats.
    public init(file: String, pieces: [String], scores: [Float], types: [PieceType],
                unknownID: Int?, bosID: Int?, eosID: Int?, padID: Int? = nil,
                normalization: Normalization = Normalization()) throws {
        guard pieces.count == scores.count, pieces.count == types.count, !pieces.isEmpty else {
            throw TokenizerError(file: file, field: "tokens", reason: "\(pieces.count) pieces, \(scores.count) scores and \(types.count) types")
        }
        let bytePieces = types.lazy.filter { $0 == .byte }.count
        try self.init(file: file, pieces: pieces, scores: scores, types: types,
                      unknownID: unknownID, bosID: bosID, eosID: eosID, padID: padID,
                      byteFallback: bytePieces >= 256, normalization: normalization, rejectDuplicates: true)
    }
}
