import Foundation

extension Tokenizer {
    /// Parses a Hugging Face `tokenizer.json` whose model is BPE, as written for Llama and Mistral:
    /// either the legacy `Prepend("▁")` + `Replace(" ", "▁")` normalizers or a `Metaspace`
    /// pre-tokenizer, byte fallback, and merges as `"a b"` strings or `["a", "b"]` pairs.
    ///
    /// Encoding then follows the `tokenizers` library: only listed merges apply, lowest rank first,
    /// and `Metaspace` adds the dummy prefix only when the text does not already start with a space.
    /// Special added tokens (`<s>`, `</s>`) become control pieces and `<unk>` the unknown piece; they are
    /// not matched inside the text, and `decode` skips the control pieces.
    /// - Parameter file: the name used in error messages.
    public init(huggingFaceJSON data: Data, file: String) throws {
        func fail(_ field: String, _ reason: String) -> TokenizerError {
            TokenizerError(file: file, field: field, reason: reason)
        }
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw fail("(root)", "not a JSON object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw fail("(root)", "invalid JSON: \(error.localizedDescription)")
        }
        guard let model = root["model"] as? [String: Any] else { throw fail("model", "missing or not an object") }
        guard model["type"] as? String == "BPE" || model["type"] == nil && model["merges"] != nil else {
            throw fail("model.type", "\(model["type"] ?? "nil") is not BPE")
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 {
            throw fail("model.dropout", "BPE dropout \(dropout) is not supported")
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab", "missing or not an object") }
        var pieces = [String?](repeating: nil, count: vocab.count)
        for (piece, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, pieces.indices.contains(id), pieces[id] == nil else {
                throw fail("model.vocab[\(piece.debugDescription)]", "id \(value) is not a distinct integer in 0..<\(vocab.count)")
            }
            pieces[id] = piece
        }
        let vocabulary = pieces.map { $0! }
        let byteFallback = model["byte_fallback"] as? Bool ?? false

        var types = [PieceType](repeating: .normal, count: vocabulary.count)
        if byteFallback {
            for (id, piece) in vocabulary.enumerated() where Tokenizer.byteValue(ofPiece: piece) != nil { types[id] = .byte }
        }
        let unknownPiece = model["unk_token"] as? String ?? "<unk>"
        var unknownID = vocab[unknownPiece].flatMap { ($0 as? NSNumber)?.intValue }
        if let added = root["added_tokens"] as? [[String: Any]] {
            for (index, token) in added.enumerated() {
                guard let id = (token["id"] as? NSNumber)?.intValue, let content = token["content"] as? String else {
                    throw fail("added_tokens[\(index)]", "needs an integer id and a string content")
                }
                guard vocabulary.indices.contains(id), vocabulary[id] == content else {
                    throw fail("added_tokens[\(index)]", "\(content.debugDescription) with id \(id) is not that vocabulary entry")
                }
                if content == unknownPiece { unknownID = id } else if token["special"] as? Bool ?? false { types[id] = .control }
            }
        }
        if let unknownID { types[unknownID] = .unknown }

        let table = PieceTable(pieces: vocabulary)
        var merges: [UInt64: (rank: Int32, merged: Int32)] = [:]
        guard let mergeList = model["merges"] as? [Any] else { throw fail("model.merges", "missing or not an array") }
        merges.reserveCapacity(mergeList.count)
        for (rank, entry) in mergeList.enumerated() {
            let parts: [String]
            if let text = entry as? String {
                parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = entry as? [String] {
                parts = pair
            } else {
                throw fail("model.merges[\(rank)]", "neither \"a b\" nor [a, b]")
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
        for (index, step) in Tokenizer.steps(root["normalizer"]).enumerated() {
            switch step["type"] as? String {
            case "Prepend" where step["prepend"] as? String == "\u{2581}":
                normalization.addDummyPrefix = true
            case "Replace" where (step["pattern"] as? [String: Any])?["String"] as? String == " " && step["content"] as? String == "\u{2581}":
                normalization.escapeWhitespaces = true
            default:
                throw fail("normalizer[\(index)]", "unsupported normalizer \(step["type"] ?? "nil")")
            }
        }
        for (index, step) in Tokenizer.steps(root["pre_tokenizer"]).enumerated() {
            guard step["type"] as? String == "Metaspace", step["replacement"] as? String ?? "\u{2581}" == "\u{2581}" else {
                throw fail("pre_tokenizer[\(index)]", "unsupported pre-tokenizer \(step["type"] ?? "nil")")
            }
            normalization.escapeWhitespaces = true
            let scheme = step["prepend_scheme"] as? String ?? ((step["add_prefix_space"] as? Bool ?? true) ? "always" : "never")
            normalization.addDummyPrefix = scheme != "never"
            prefixRule = .unlessPresent
            splits = step["split"] as? Bool ?? true
        }
        var decodedPrefix = DecodedPrefix.keep
        for step in Tokenizer.steps(root["decoder"]) {
            let type = step["type"] as? String
            if type == "Strip", (step["start"] as? NSNumber)?.intValue ?? 0 > 0 { decodedPrefix = .firstCharacter }
            if type == "Metaspace", step["prepend_scheme"] as? String ?? "always" != "never" { decodedPrefix = .firstCharacter }
        }
        try self.init(file: file, pieces: vocabulary, scores: vocabulary.indices.map { _ in 0 }, types: types,
                      unknownID: unknownID, bosID: table.find("<s>"), eosID: table.find("</s>"), padID: nil,
                      byteFallback: byteFallback, normalization: normalization, unknownSurface: unknownPiece,
                      mergeRule: .ranks(merges), prefixRule: prefixRule, splitsAtSpaces: splits,
                      decodedPrefix: decodedPrefix, rejectDuplicates: false)
    }

    /// The steps of a normalizer, pre-tokenizer or decoder, flattening a `Sequence`.
    private static func steps(_ value: Any?) -> [[String: Any]] {
        guard let object = value as? [String: Any] else { return [] }
        if object["type"] as? String == "Sequence" {
            let inner = (object["normalizers"] ?? object["pretokenizers"] ?? object["decoders"]) as? [Any] ?? []
            return inner.flatMap { steps($0) }
        }
        return [object]
    }
}
