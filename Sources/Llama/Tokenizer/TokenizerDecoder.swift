extension Tokenizer {
    /// Where `decode` removes the space that encoding added in front of the text.
    enum DecodedPrefix: Sendable {
        /// SentencePiece: a leading "▁" of the first piece that is not a control piece.
        case firstPiece
        /// Hugging Face's `Strip` decoder: one leading space of the whole decoded text.
        case firstCharacter
        case keep
    }

    /// The text of `ids`, as `sentencepiece`'s `decode`: control pieces (BOS, EOS) vanish, "▁" becomes
    /// a space, the dummy-prefix space of the first piece is dropped (of every leading piece while the text is
    /// still empty when `removeExtraWhitespaces` is set), runs of byte pieces are joined and
    /// each byte that does not complete a valid UTF-8 character becomes U+FFFD, and the unknown id
    /// prints as `unknownSurface`. An id outside the vocabulary prints as U+FFFD.
    ///
    /// Byte-level tokenizers decode as Hugging Face's ByteLevel decoder with `skip_special_tokens=True`:
    /// control pieces vanish, the rest become their bytes, and invalid UTF-8 becomes U+FFFD, as does
    /// an id outside the vocabulary.
    public func decode(_ ids: [Int]) -> String {
        if let byteLevel { return byteLevel.decode(ids, types: types) }
        var out: [UInt8] = []
        var pendingBytes: [UInt8] = []
        var atStart = true
        for id in ids {
            // A model with a larger vocabulary can produce ids this tokenizer lacks; they print as U+FFFD.
            guard pieces.indices.contains(id) else {
                Tokenizer.appendRepairingUTF8(pendingBytes, to: &out)
                pendingBytes.removeAll(keepingCapacity: true)
                out.append(contentsOf: Tokenizer.replacementCharacter)
                atStart = false
                continue
            }
            switch types[id] {
            case .control:
                continue
            case .byte:
                pendingBytes.append(Tokenizer.byteValue(ofPiece: pieces[id]) ?? 0)
            case .unknown:
                Tokenizer.appendRepairingUTF8(pendingBytes, to: &out)
                pendingBytes.removeAll(keepingCapacity: true)
                out.append(contentsOf: unknownSurface.utf8)
            case .normal, .userDefined, .unused:
                Tokenizer.appendRepairingUTF8(pendingBytes, to: &out)
                pendingBytes.removeAll(keepingCapacity: true)
                var piece = Array(pieces[id].utf8)[...]
                if atStart && decodedPrefix == .firstPiece && piece.starts(with: Tokenizer.spaceSymbol) {
                    piece = piece.dropFirst(3)
                }
                Tokenizer.appendUnescaped(piece, to: &out)
            }
            // With remove_extra_whitespaces, sentencepiece keeps stripping while the text is still empty.
            atStart = normalization.removeExtraWhitespaces && out.isEmpty && pendingBytes.isEmpty
        }
        Tokenizer.appendRepairingUTF8(pendingBytes, to: &out)
        if decodedPrefix == .firstCharacter && out.first == 0x20 { out.removeFirst() }
        return String(decoding: out, as: UTF8.self)
    }

    /// U+FFFD in UTF-8.
    static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]

    private static func appendUnescaped(_ piece: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var i = piece.startIndex
        while i < piece.endIndex {
            if piece[i] == 0xE2 && piece[i...].starts(with: spaceSymbol) {
                out.append(0x20)
                i += 3
            } else {
                out.append(piece[i])
                i += 1
            }
        }
    }

    /// Appends `bytes`, replacing each byte that does not start a valid UTF-8 character with U+FFFD,
    /// one replacement per byte as SentencePiece's `DecodeUTF8` does (overlong forms and surrogates
    /// are invalid).
    static func appendRepairingUTF8(_ bytes: [UInt8], to out: inout [UInt8]) {
        var i = 0
        while i < bytes.count {
            let length = validUTF8Length(bytes, at: i)
            if length > 0 {
                out.append(contentsOf: bytes[i..<(i + length)])
                i += length
            } else {
                out.append(contentsOf: replacementCharacter)
                i += 1
            }
        }
    }

    private static func validUTF8Length(_ b: [UInt8], at i: Int) -> Int {
        let lead = b[i]
        func trail(_ k: Int) -> UInt32? {
            guard i + k < b.count, b[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        switch lead {
        case 0x00..<0x80:
            return 1
        case 0xC0..<0xE0:
            guard let t1 = trail(1) else { return 0 }
            return (UInt32(lead & 0x1F) << 6 | t1) >= 0x80 ? 2 : 0
        case 0xE0..<0xF0:
            guard let t1 = trail(1), let t2 = trail(2) else { return 0 }
            let c = UInt32(lead & 0x0F) << 12 | t1 << 6 | t2
            return c >= 0x800 && !(0xD800...0xDFFF).contains(c) ? 3 : 0
        case 0xF0..<0xF8:
            guard let t1 = trail(1), let t2 = trail(2), let t3 = trail(3) else { return 0 }
            let c = UInt32(lead & 0x07) << 18 | t1 << 12 | t2 << 6 | t3
            return c >= 0x10000 && c <= 0x10FFFF ? 4 : 0
        default:
            return 0
        }
    }
}
