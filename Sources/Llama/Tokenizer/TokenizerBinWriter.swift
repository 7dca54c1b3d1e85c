import Foundation

extension Tokenizer {
    /// The tokenizer as a llama2.c `tokenizer.bin`: int32 `max_token_length`, then per id a float32
    /// score, an int32 byte length and the piece's bytes (little-endian, " " where the piece has "▁").
    /// `Tokenizer(contentsOf:)` reads it back with the same pieces, scores and ids, provided the
    /// tokenizer has Llama 2's normalization, which is all the format can express.
    public func llama2cBinary() -> Data {
        let encoded = pieces.map { Array($0.replacingOccurrences(of: "\u{2581}", with: " ").utf8) }
        var data = Data()
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(UInt32(encoded.map(\.count).max() ?? 0))
        for (bytes, score) in zip(encoded, scores) {
            append(score.bitPattern)
            append(UInt32(bytes.count))
            data.append(contentsOf: bytes)
        }
        return data
    }

    /// Writes `llama2cBinary()` to `url` atomically.
    public func writeLlama2cBinary(to url: URL) throws {
        try writeAtomically(llama2cBinary(), to: url)
    }
}
