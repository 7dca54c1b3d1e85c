extension Tokenizer {
    /// Token ids of `text`, optionally framed by the BOS and EOS ids.
    ///
    /// `addBOS` asks for the text framed as the model expects at the start of its input: BOS is added
    /// only when `addsBOS` says the model wants one (SentencePiece models do; SmolLM2 does not).
    /// Byte-level tokenizers follow Hugging Face `tokenizers` (`encode(text, add_special_tokens=False)`
    /// plus that framing). SentencePiece ones match `sentencepiece`'s `encode(text, add_bos=...,
    /// add_eos=...)`: an empty string gives no pieces, characters outside the vocabulary become byte
    /// pieces when byte fallback is on and otherwise one unknown id per run. Runs in O(n log n) for n characters.
    /// `parseSpecialTokens: false` encodes added tokens' text (`<|im_end|>`) as ordinary bytes, for
    /// user text spliced into a template, which must not open or close turns.
    public func encode(_ text: String, addBOS: Bool = true, addEOS: Bool = false, parseSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        if addBOS, addsBOS, let bosID { ids.append(bosID) }
        let utf8 = Array(text.utf8)
        var segmentStart = 0
        func encodeSegment(_ end: Int) {
            guard segmentStart < end else { return }
            if let byteLevel {
                utf8.withUnsafeBufferPointer { byteLevel.encode(UnsafeBufferPointer(rebasing: $0[segmentStart..<end]), table: table, into: &ids) }
                return
            }
            let normalized = normalize(utf8[segmentStart..<end], atTextStart: segmentStart == 0)
            normalized.withUnsafeBufferPointer { encodeNormalized($0, into: &ids) }
        }
        if parseSpecialTokens && !addedTokens.isEmpty {
            var position = 0
            while position < utf8.count {
                guard addedTokenFirstBytes[Int(utf8[position])],
                      let token = addedTokens.first(where: { utf8[position...].starts(with: $0.bytes) }) else {
                    position += 1
                    continue
                }
                encodeSegment(position)
                ids.append(token.id)
                position += token.bytes.count
                segmentStart = position
            }
        }
        encodeSegment(utf8.count)
        if addEOS, let eosID { ids.append(eosID) }
        return ids
    }

    /// Byte length of the UTF-8 sequence starting with `lead`, as SentencePiece's `OneCharLen`.
    @inline(__always)
    static func utf8Length(lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }

    private func encodeNormalized(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        var symbols = SymbolList(capacity: text.count)
        splitIntoSymbols(text, base: base, into: &symbols)
        var revMerge: [Int32: Int32] = [:]
        var queue = MergeQueue(capacity: symbols.count * 2)

        func addCandidate(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let l = Int(left), r = Int(right)
            guard !symbols.frozen[l], !symbols.frozen[r], !symbols.wordStart[r] else { return }
            let size = Int(symbols.end[r] - symbols.start[l])
            switch mergeRule {
            case .pieceScores:
                guard let id = table.find(base + Int(symbols.start[l]), size) else { return }
                switch types[id] {
                case .normal, .userDefined: break
                case .unused: revMerge[Int32(id)] = symbols.end[l] - symbols.start[l]
                default: return
                }
                queue.push(MergeCandidate(score: scores[id], left: left, right: right, size: Int32(size)))
            case .ranks(let merges):
                let a = symbols.id[l], b = symbols.id[r]
                guard a >= 0, b >= 0, let merge = merges[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))] else { return }
                queue.push(MergeCandidate(score: -Float(merge.rank), left: left, right: right, size: Int32(size)))
            }
        }

        for i in 0..<(symbols.count - 1) { addCandidate(Int32(i), Int32(i + 1)) }
        while let top = queue.pop() {
            let l = Int(top.left), r = Int(top.right)
            let leftSize = symbols.end[l] - symbols.start[l], rightSize = symbols.end[r] - symbols.start[r]
            guard leftSize > 0, rightSize > 0, leftSize + rightSize == top.size else { continue }
            if case .ranks(let merges) = mergeRule {
                let key = UInt64(UInt32(symbols.id[l])) << 32 | UInt64(UInt32(symbols.id[r]))
                symbols.id[l] = merges[key]?.merged ?? -1
            }
            symbols.end[l] = symbols.end[r]
            symbols.end[r] = symbols.start[r]
            let next = symbols.next[r]
            symbols.next[l] = next
            if next >= 0 { symbols.prev[Int(next)] = top.left }
            addCandidate(symbols.prev[l], top.left)
            addCandidate(top.left, next)
        }

        var previousWasUnknown = false
        func emitUnknown(_ start: Int, _ end: Int) {
            if byteFallback {
                for i in start..<end { ids.append(Int(byteIDs[Int(text[i])])) }
                previousWasUnknown = false
            } else if let unknownID {
                if !previousWasUnknown || !fusesUnknown { ids.append(unknownID) }
                previousWasUnknown = true
            }
        }
        // SentencePiece's `ReSegment`: an unused piece produced by a merge splits back into its halves.
        func emit(_ start: Int, _ end: Int) {
            guard let id = table.find(base + start, end - start) else { return emitUnknown(start, end) }
            if types[id] == .unused, let leftSize = revMerge[Int32(id)] {
                emit(start, start + Int(leftSize))
                emit(start + Int(leftSize), end)
                return
            }
            ids.append(id)
            previousWasUnknown = types[id] == .unknown
        }
        var index: Int32 = 0
        while index >= 0 {
            let i = Int(index)
            let start = Int(symbols.start[i]), end = Int(symbols.end[i])
            if case .ranks = mergeRule {
                let id = symbols.id[i]
                if id >= 0 {
                    ids.append(Int(id))
                    previousWasUnknown = false
                } else {
                    emitUnknown(start, end)
                }
            } else {
                emit(start, end)
            }
            index = symbols.next[i]
        }
    }

    /// Splits normalized text into the initial symbols: user-defined pieces (longest match, never
    /// merged) and single characters. Under merge ranks a character outside the vocabulary becomes
    /// its byte pieces up front, as Hugging Face's BPE does.
    private func splitIntoSymbols(_ text: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, into symbols: inout SymbolList) {
        let usesRanks: Bool
        if case .ranks = mergeRule { usesRanks = true } else { usesRanks = false }
        var position = 0
        while position < text.count {
            var length = 0
            var frozen = false
            for candidate in userDefinedLengths where candidate <= text.count - position {
                if let id = table.find(base + position, candidate), types[id] == .userDefined {
                    length = candidate
                    frozen = true
                    break
                }
            }
            if length == 0 { length = min(Tokenizer.utf8Length(lead: text[position]), text.count - position) }
            let isWordStart = splitsAtSpaces && position > 0 && length == 3 && text[position] == 0xE2
                && text[position + 1] == 0x96 && text[position + 2] == 0x81
            if usesRanks {
                if let id = table.find(base + position, length) {
                    symbols.append(start: position, end: position + length, id: Int32(id), frozen: frozen, wordStart: isWordStart)
                } else if byteFallback {
                    for i in position..<(position + length) {
                        symbols.append(start: i, end: i + 1, id: byteIDs[Int(text[i])], frozen: true, wordStart: isWordStart && i == position)
                    }
                } else {
                    symbols.append(start: position, end: position + length, id: -1, frozen: true, wordStart: isWordStart)
                }
            } else {
                symbols.append(start: position, end: position + length, id: -1, frozen: frozen, wordStart: isWordStart)
            }
            position += length
        }
    }
}

/// The doubly linked list of symbols the merge loop works on, as parallel arrays. A merged-away
/// symbol keeps `end == start`.
struct SymbolList {
    var start: [Int32] = []
    var end: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var id: [Int32] = []
    var frozen: [Bool] = []
    var wordStart: [Bool] = []

    init(capacity: Int) {
        start.reserveCapacity(capacity)
        end.reserveCapacity(capacity)
        prev.reserveCapacity(capacity)
        next.reserveCapacity(capacity)
    }

    var count: Int { start.count }

    mutating func append(start s: Int, end e: Int, id i: Int32, frozen f: Bool, wordStart w: Bool) {
        if let last = next.indices.last { next[last] = Int32(count) }
        prev.append(Int32(count) - 1)
        next.append(-1)
        start.append(Int32(s))
        end.append(Int32(e))
        id.append(i)
        frozen.append(f)
        wordStart.append(w)
    }
}
