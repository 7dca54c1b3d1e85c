import Foundation

extension Tokenizer {
    /// Parses a llama2.c `tokenizer.bin`: int32 `max_token_length`, then per id a float32 score, an
    /// int32 byte length and the piece bytes, all little-endian, with " " where SentencePiece has "▁".
    ///
    /// The format stores neither piece types nor normalizer flags. Types are inferred from the
    /// spelling: `<unk>` is unknown, `<s>`/`</s>` (llama2.c writes them as "\n<s>\n" and "\n</s>\n")
    /// are BOS/EOS control pieces, `<0xNN>` are byte pieces (byte fallback is on when all 256 exist),
    /// the rest are normal. Normalization is assumed to be Llama 2's: a dummy-prefix space, spaces
    /// escaped, whitespace runs kept, which is what llama2.c's `encode` does unconditionally.
    /// - Parameters:
    ///   - file: the name used in error messages.
    ///   - vocabularySize: the checkpoint's vocabulary size when known; the file must hold exactly that
    ///     many entries (it has no count of its own, so otherwise it is read to its end).
    public init(llama2cTokenizer data: Data, file: String, vocabularySize: Int? = nil) throws {
        var pieces: [String] = []
        var scores: [Float] = []
        var types: [PieceType] = []
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var position = 0
            func readUInt32(_ field: @autoclosure () -> String) throws -> UInt32 {
                guard bytes.count - position >= 4 else {
                    throw TokenizerError(file: file, field: field(), reason: "truncated: needs 4 bytes at offset \(position), file has \(bytes.count)")
                }
                var value: UInt32 = 0
                for i in 0..<4 { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
                position += 4
                return value
            }
            let maxLength = Int32(bitPattern: try readUInt32("max_token_length"))
            guard maxLength >= 0 else {
                throw TokenizerError(file: file, field: "max_token_length", reason: "negative (\(maxLength))")
            }
            while position < bytes.count && (vocabularySize == nil || pieces.count < vocabularySize!) {
                let id = pieces.count
                let score = Float(bitPattern: try readUInt32("vocab[\(id)].score"))
                let length = Int32(bitPattern: try readUInt32("vocab[\(id)].length"))
                guard length >= 0, Int(length) <= bytes.count - position else {
                    throw TokenizerError(file: file, field: "vocab[\(id)].length",
                                         reason: "length \(length) runs past the end (\(bytes.count - position) bytes left)")
                }
                let slice = UnsafeBufferPointer(rebasing: bytes[position..<(position + Int(length))])
                position += Int(length)
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw TokenizerError(file: file, field: "vocab[\(id)].piece", reason: "not valid UTF-8")
                }
                let (piece, type) = Tokenizer.llama2cPiece(text)
                pieces.append(piece)
                scores.append(score)
                types.append(type)
            }
            if let vocabularySize, pieces.count != vocabularySize || position != bytes.count {
                throw TokenizerError(file: file, field: "vocab", reason: "holds \(pieces.count) entries and \(bytes.count - position) trailing bytes; expected exactly \(vocabularySize) entries")
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError(file: file, field: "vocab", reason: "no entries") }
        let bytePieces = types.lazy.filter { $0 == .byte }.count
        try self.init(file: file, pieces: pieces, scores: scores, types: types,
                      unknownID: types.firstIndex(of: .unknown),
                      bosID: pieces.firstIndex(of: "<s>"), eosID: pieces.firstIndex(of: "</s>"), padID: nil,
                      byteFallback: bytePieces >= 256, normalization: Normalization(), rejectDuplicates: false)
    }

    private static func llama2cPiece(_ text: String) -> (String, PieceType) {
        switch text {
        case "<unk>": return (text, .unknown)
        case "<s>", "\n<s>\n": return ("<s>", .control)
        case "</s>", "\n</s>\n": return ("</s>", .control)
        default:
            if byteValue(ofPiece: text) != nil { return (text, .byte) }
            return (text.replacingOccurrences(of: " ", with: "\u{2581}"), .normal)
        }
    }
}
