/// GPT-2's `bytes_to_unicode`: each byte is spelled as one printable character, so byte-level vocabularies
/// can store arbitrary byte strings as text. Printable Latin-1 bytes stand for themselves; the other 68
/// (controls, space, DEL, NBSP, soft hyphen) map to U+0100... in byte order, so the space is "Ġ" (U+0120).
enum ByteLevelAlphabet {
    /// The character of each byte.
    static let scalars: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                out[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                out[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return out
    }()

    /// The byte each character below U+0144 stands for, or -1: the inverse of `scalars`.
    static let bytes: [Int16] = {
        var out = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalars.enumerated() { out[Int(scalar.value)] = Int16(byte) }
        return out
    }()

    /// The UTF-8 of `byte`'s character (one or two bytes), appended to `out`.
    @inline(__always)
    static func appendSpelling(of byte: UInt8, to out: inout [UInt8]) {
        let value = scalars[Int(byte)].value
        if value < 0x80 {
            out.append(UInt8(value))
        } else {
            out.append(UInt8(0xC0 | (value >> 6)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// The bytes a byte-level piece spells, or nil when one of its characters is outside the alphabet
    /// (added tokens such as "<|im_start|>" are plain text; Hugging Face's ByteLevel decoder then keeps
    /// the piece's own UTF-8, and so do we).
    static func bytes(ofPiece piece: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(piece.utf8.count)
        for scalar in piece.unicodeScalars {
            guard scalar.value < 0x144, bytes[Int(scalar.value)] >= 0 else { return nil }
            out.append(UInt8(bytes[Int(scalar.value)]))
        }
        return out
    }
}
