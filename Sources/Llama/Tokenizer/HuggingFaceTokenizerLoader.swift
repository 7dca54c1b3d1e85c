import Foundation

extension Tokenizer {
    /// Parses a Hugging Face `tokenizer.json` whose model is BPE, as written for Llama and Mistral:
    /// either the legacy `Prepend("▁")` + `Replace(" ", "▁")` normalizers or a `Metaspace`
    /// pre-tokenizer, byte fallback, and merges as `"a b"` strings or `["a", "b"]` pairs.
    ///
    /// Encoding then follows the `tokenizers` library: added tokens (`<s>`, `</s>`, `<unk>`) are
    /// matched in the raw text first, only listed merges apply, lowest rank first, and `Metaspace`
    /// adds the dummy prefix only at the start of the text and only when it does not already start
    /// with a space. `decode` skips special tokens, as `decode(ids, skip_special_tokens=True)`.
    ///
    /// A file whose pre-tokenizer has a `ByteLevel` step is a byte-level BPE (GPT-2 family); see
    /// `init(byteLevelJSON:)`.
    /// - Parameter file: the name used in error messages.
    public init(huggingFaceJSON data: Data, file: String) throws {
        func fail(_ field: String, _ reason: String) -> TokenizerError {
            TokenizerError(file: file, field: field, reason: reason)
        }
        let root: OrderedJSON
        do {
            root = try OrderedJSON.parse(data).value
        } catch {
            let field = error.path.dropFirst().drop { $0 == "." }
            throw fail(field.isEmpty ? "(root)" : String(field), "invalid JSON on line \(error.line): \(error.message)")
        }
        guard let model = root["model"], model.members != nil else { throw fail("model", "missing or not an object") }
        guard model["type"]?.string == "BPE" else {
            throw fail("model.type", "\(model["type"]?.string ?? "missing") is not BPE")
        }
        if case .number(let dropout)? = model["dropout"], dropout > 0 {
            throw fail("model.dropout", "BPE dropout \(dropout) is not supported")
        }
        guard let vocab = model["vocab"]?.members else { throw fail("model.vocab", "missing or not an object") }
        // Added tokens may extend the model's vocabulary (a pad token after the last piece, say).
        var added: [(content: String, id: Int, special: Bool)] = []
        for (index, token) in (root["added_tokens"]?.array ?? []).enumerated() {
            guard let id = token["id"]?.int, id >= 0, id < vocab.count + 65536,
                  let content = token["content"]?.string, !content.isEmpty else {
                throw fail("added_tokens[\(index)]", "needs an id in 0..<\(vocab.count + 65536) and a non-empty string content")
            }
            added.append((content, id, token["special"]?.bool ?? false))
        }
        let count = max(vocab.count, (added.map(\.id).max() ?? -1) + 1)
        var slots = [String?](repeating: nil, count: count)
        for (piece, value) in vocab {
            guard let id = value.int, slots.indices.contains(id), slots[id] == nil else {
                throw fail("model.vocab[\(piece.debugDescription)]", "id \(value) is not a distinct integer in 0..<\(count)")
            }
            slots[id] = piece
        }
        for (index, token) in added.enumerated() {
            if let existing = slots[token.id], !existing.utf8.elementsEqual(token.content.utf8) {
                throw fail("added_tokens[\(index)]", "\(token.content.debugDescription) with id \(token.id) differs from vocabulary entry \(existing.debugDescription)")
            }
            slots[token.id] = token.content
        }
        if let gap = slots.firstIndex(where: { $0 == nil }) {
            throw fail("model.vocab", "no piece has id \(gap) (ids must be 0..<\(count) without gaps)")
        }
        let pieces = slots.map { $0 ?? "" }
        if Tokenizer.steps(root["pre_tokenizer"], "pretokenizers").contains(where: { $0["type"]?.string == "ByteLevel" }) {
            self = try Tokenizer(byteLevelJSON: root, pieces: pieces, added: added, file: file)
            return
        }
        let table = PieceTable(pieces: pieces)
        let byteFallback = model["byte_fallback"]?.bool ?? false

        var types = [PieceType](repeating: .normal, count: pieces.count)
        if byteFallback {
            for (id, piece) in pieces.enumerated() where Tokenizer.byteValue(ofPiece: piece) != nil { types[id] = .byte }
        }
        let unknownPiece = model["unk_token"]?.string ?? "<unk>"
        var unknownID = table.find(unknownPiece)
        var unknownIsSpecial = false
        for token in added {
            if token.content == unknownPiece {
                unknownID = token.id
                unknownIsSpecial = token.special
            } else if token.special {
                types[token.id] = .control
            }
        }
        if let unknownID { types[unknownID] = .unknown }

        guard let mergeList = model["merges"]?.array else { throw fail("model.merges", "missing or not an array") }
        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        merges.reserveCapacity(mergeList.count)
        for (rank, entry) in mergeList.enumerated() {
            let parts: [String]
            if let text = entry.string {
                parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = entry.array, pair.count == 2, let a = pair[0].string, let b = pair[1].string {
                parts = [a, b]
            } else {
                throw fail("model.merges[\(rank)]", "neither \"a b\" nor [\"a\", \"b\"]")
            }
            guard parts.count == 2, let left = table.find(parts[0]), let right = table.find(parts[1]),
                  let merged = table.find(parts[0] + parts[1]) else {
                throw fail("model.merges[\(rank)]", "\(parts) does not join two vocabulary pieces into a third")
            }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if merges[key] == nil { merges[key] = (Int32(rank), Int32(merged)) }
        }

        var normalization = Normalization(addDummyPrefix: false, removeExtraWhitespaces: false, escapeWhitespaces: false)
        var prefixRule = PrefixRule.always
        var splits = false
        for (index, step) in Tokenizer.steps(root["normalizer"], "normalizers").enumerated() {
            switch step["type"]?.string {
            case "Prepend" where step["prepend"]?.string == "\u{2581}":
                normalization.addDummyPrefix = true
            case "Replace" where step["pattern"]?["String"]?.string == " " && step["content"]?.string == "\u{2581}":
                normalization.escapeWhitespaces = true
            default:
                throw fail("normalizer[\(index)]", "unsupported normalizer \(step["type"]?.string ?? "without a type")")
            }
        }
        for (index, step) in Tokenizer.steps(root["pre_tokenizer"], "pretokenizers").enumerated() {
            guard step["type"]?.string == "Metaspace", (step["replacement"]?.string ?? "\u{2581}") == "\u{2581}" else {
                throw fail("pre_tokenizer[\(index)]", "unsupported pre-tokenizer \(step["type"]?.string ?? "without a type")")
            }
            normalization.escapeWhitespaces = true
            let scheme = step["prepend_scheme"]?.string ?? ((step["add_prefix_space"]?.bool ?? true) ? "always" : "never")
            normalization.addDummyPrefix = scheme != "never"
            prefixRule = scheme == "always" ? .always : .unlessPresent
            splits = step["split"]?.bool ?? true
        }
        var decodedPrefix = DecodedPrefix.keep
        for step in Tokenizer.steps(root["decoder"], "decoders") {
            let type = step["type"]?.string
            if type == "Strip", (step["start"]?.int ?? 0) > 0 { decodedPrefix = .firstCharacter }
            if type == "Metaspace", (step["prepend_scheme"]?.string ?? "always") != "never" { decodedPrefix = .firstCharacter }
        }
        try self.init(file: file, pieces: pieces, scores: pieces.indices.map { _ in 0 }, types: types,
                      unknownID: unknownID, bosID: table.find("<s>"), eosID: table.find("</s>"), padID: nil,
                      byteFallback: byteFallback, normalization: normalization,
                      unknownSurface: unknownIsSpecial ? "" : unknownPiece,
                      mergeRule: .ranks(merges), prefixRule: prefixRule, splitsAtSpaces: splits,
                      decodedPrefix: decodedPrefix, addedTokens: added.map { (Array($0.content.utf8), $0.id) },
                      fusesUnknown: model["fuse_unk"]?.bool ?? false, rejectDuplicates: false)
    }

    /// The steps of a normalizer, pre-tokenizer or decoder, flattening a `Sequence`.
    static func steps(_ value: OrderedJSON?, _ listKey: String) -> [OrderedJSON] {
        guard let value, value.members != nil else { return [] }
        if value["type"]?.string == "Sequence" {
            return (value[listKey]?.array ?? []).flatMap { steps($0, listKey) }
        }
        return [value]
    }
}
