/// The byte-level BPE engine of the GPT-2 family (GPT-2, SmolLM, Llama 3, Qwen 2), as Hugging Face
/// `tokenizers` runs a BPE model behind a ByteLevel pre-tokenizer and decoder.
///
/// Text is cut into pre-tokens (`PreTokenizer`); each pre-token's UTF-8 bytes start as the pieces of
/// their single-byte characters (`ByteLevelAlphabet`), and listed merges apply lowest rank first, the
/// leftmost pair among equal ranks, never across a pre-token. Decoding maps each piece's characters
/// back to bytes and repairs invalid UTF-8 with U+FFFD.
struct ByteLevelBPE: Sendable {
    let preTokenizer: PreTokenizer
    let merges: MergeRanks
    /// The id of each byte's one-character piece, or -1 where the vocabulary lacks it. Such bytes are
    /// dropped, as `tokenizers` does for characters outside a vocabulary without an unknown token (and
    /// llama.cpp for bytes without a piece): SmolLM2's lacks 21, among them 0x04 and 0xC0.
    let byteIDs: [Int32]
    /// `ignore_merges`: a pre-token that is itself a piece becomes that piece without merging
    /// (Llama 3's tokenizer.json; llama.cpp's LLAMA3 pre-tokenizer).
    let ignoresMerges: Bool
    /// The bytes each piece decodes to, concatenated; piece `id` spans `decodedOffsets[id]..<decodedOffsets[id + 1]`.
    let decodedBytes: [UInt8]
    let decodedOffsets: [Int32]

    init(pieces: [String], table: PieceTable, merges: MergeRanks, preTokenizer: PreTokenizer, ignoresMerges: Bool) {
        var byteIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            if let id = table.find(String(Character(ByteLevelAlphabet.scalars[byte]))) { byteIDs[byte] = Int32(id) }
        }
        var decoded: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for piece in pieces {
            decoded.append(contentsOf: ByteLevelAlphabet.bytes(ofPiece: piece) ?? Array(piece.utf8))
            offsets.append(Int32(decoded.count))
        }
        self.preTokenizer = preTokenizer
        self.merges = merges
        self.byteIDs = byteIDs
        self.ignoresMerges = ignoresMerges
        self.decodedBytes = decoded
        self.decodedOffsets = offsets
    }

    /// Appends the ids of `text` (valid UTF-8 holding no special token) to `ids`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, table: PieceTable, into ids: inout [Int]) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        var scalars = ScalarText()
        scalars.reset(text)
        var word = WordMerger()
        preTokenizer.split(scalars) { from, to in
            let start = Int(scalars.offsets[from]), end = Int(scalars.offsets[to])
            if end - start == 1 {
                let id = byteIDs[Int(base[start])]
                if id >= 0 { ids.append(Int(id)) }
                return
            }
            if ignoresMerges, let id = word.wholePiece(base + start, end - start, table: table) {
                ids.append(id)
                return
            }
            word.merge(base + start, end - start, self, into: &ids)
        }
    }

    /// The text of `ids`, skipping control (special) pieces as `decode(ids, skip_special_tokens=True)`.
    func decode(_ ids: [Int], types: [Tokenizer.PieceType]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            guard types.indices.contains(id) else {
                out.append(contentsOf: Tokenizer.replacementCharacter)
                continue
            }
            if types[id] == .control { continue }
            out.append(contentsOf: decodedBytes[Int(decodedOffsets[id])..<Int(decodedOffsets[id + 1])])
        }
        // String(decoding:) replaces each maximal invalid subsequence with one U+FFFD, as Rust's
        // `String::from_utf8_lossy` behind `tokenizers`' ByteLevel decoder does.
        return String(decoding: out, as: UTF8.self)
    }
}

/// Scratch space for merging one pre-token at a time, reused across the pre-tokens of a text: a
/// doubly linked list of symbols and a queue of candidate merges.
struct WordMerger {
    private var id: [Int32] = []
    private var length: [Int32] = []
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var queue = MergeQueue(capacity: 64)
    private var spelling: [UInt8] = []

    /// The piece spelled exactly by these bytes, if the vocabulary has one.
    mutating func wholePiece(_ bytes: UnsafePointer<UInt8>, _ count: Int, table: PieceTable) -> Int? {
        spelling.removeAll(keepingCapacity: true)
        for i in 0..<count { ByteLevelAlphabet.appendSpelling(of: bytes[i], to: &spelling) }
        return spelling.withUnsafeBufferPointer { table.find($0.baseAddress, $0.count) }
    }

    /// Merges the bytes of one pre-token and appends the resulting ids.
    mutating func merge(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ model: ByteLevelBPE, into ids: inout [Int]) {
        id.removeAll(keepingCapacity: true)
        length.removeAll(keepingCapacity: true)
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        for i in 0..<count {
            let symbol = model.byteIDs[Int(bytes[i])]
            guard symbol >= 0 else { continue }
            prev.append(Int32(id.count) - 1)
            next.append(Int32(id.count) + 1)
            id.append(symbol)
            length.append(1)
        }
        guard !id.isEmpty else { return }
        next[next.count - 1] = -1
        queue.removeAll()
        for i in 0..<(id.count - 1) { addCandidate(Int32(i), Int32(i + 1), model.merges) }
        while let top = queue.pop() {
            let l = Int(top.left), r = Int(top.right)
            // Lengths only grow, and a merged-away symbol has length 0: a changed side means a stale entry.
            guard length[l] > 0, length[r] > 0, length[l] + length[r] == top.size,
                  let merge = model.merges.find(id[l], id[r]) else { continue }
            id[l] = merge.merged
            length[l] += length[r]
            length[r] = 0
            let after = next[r]
            next[l] = after
            if after >= 0 { prev[Int(after)] = top.left }
            addCandidate(prev[l], top.left, model.merges)
            addCandidate(top.left, after, model.merges)
        }
        var symbol: Int32 = 0
        while symbol >= 0 {
            ids.append(Int(id[Int(symbol)]))
            symbol = next[Int(symbol)]
        }
    }

    @inline(__always)
    private mutating func addCandidate(_ left: Int32, _ right: Int32, _ merges: MergeRanks) {
        guard left >= 0, right >= 0, let merge = merges.find(id[Int(left)], id[Int(right)]) else { return }
        // Ranks stay below 2^24, so the Float score is exact; equal ranks pop leftmost first.
        queue.push(MergeCandidate(score: -Float(merge.rank), left: left, right: right,
                                  size: length[Int(left)] + length[Int(right)]))
    }
}
