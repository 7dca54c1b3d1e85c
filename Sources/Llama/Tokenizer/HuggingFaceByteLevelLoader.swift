extension Tokenizer {
    /// The byte-level part of `init(huggingFaceJSON:)`: a BPE model without byte fallback behind a
    /// ByteLevel pre-tokenizer, in one of the forms real models ship:
    /// - `ByteLevel(use_regex: true)` alone (GPT-2's regex),
    /// - `Sequence[Digits(individual_digits: true), ByteLevel(use_regex: true)]` (SmolLM2),
    /// - `Sequence[Split(Regex, "Isolated"), ByteLevel(use_regex: false)]` with the GPT-2, Llama 3 or
    ///   Qwen 2 regex.
    ///
    /// Special added tokens become control pieces (skipped by `decode`), others user-defined; both are
    /// matched in the raw text first. BOS is added when the `TemplateProcessing` post-processor starts
    /// with a special token, which is then `bosID`; `eosID` is "<|endoftext|>" when present (GPT-2's).
    init(byteLevelJSON root: OrderedJSON, pieces: [String], added: [(content: String, id: Int, special: Bool)], file: String) throws {
        func fail(_ field: String, _ reason: String) -> TokenizerError { TokenizerError(file: file, field: field, reason: reason) }
        let model = root["model"]
        if model?["byte_fallback"]?.bool == true { throw fail("model.byte_fallback", "byte fallback with a ByteLevel pre-tokenizer is not supported") }
        if let normalizer = root["normalizer"], normalizer.members != nil {
            throw fail("normalizer", "normalizer \(normalizer["type"]?.string ?? "without a type") with a ByteLevel pre-tokenizer is not supported")
        }
        let preTokenizer = try Tokenizer.byteLevelPreTokenizer(Tokenizer.steps(root["pre_tokenizer"], "pretokenizers"), fail)
        for (index, step) in Tokenizer.steps(root["decoder"], "decoders").enumerated() where step["type"]?.string != "ByteLevel" {
            throw fail("decoder[\(index)]", "decoder \(step["type"]?.string ?? "without a type") is not supported with a ByteLevel pre-tokenizer")
        }
        guard let list = model?["merges"]?.array else { throw fail("model.merges", "missing or not an array") }
        let merges = try list.enumerated().map { rank, entry -> (String, String) in
            if let text = entry.string {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2 { return (String(parts[0]), String(parts[1])) }
            } else if let pair = entry.array, pair.count == 2, let a = pair[0].string, let b = pair[1].string {
                return (a, b)
            }
            throw fail("model.merges[\(rank)]", "neither \"a b\" nor [\"a\", \"b\"]: not two pieces")
        }
        var types = [PieceType](repeating: .normal, count: pieces.count)
        for token in added { types[token.id] = token.special ? .control : .userDefined }
        let table = PieceTable(pieces: pieces)
        var bosID: Int?
        if let processor = root["post_processor"], processor["type"]?.string == "TemplateProcessing",
           let first = processor["single"]?.array?.first?["SpecialToken"]?["id"]?.string {
            guard let id = table.find(first) else { throw fail("post_processor.single[0]", "special token \(first.debugDescription) is not in the vocabulary") }
            bosID = id
        }
        try self.init(file: file, byteLevelPieces: pieces, types: types, merges: merges, preTokenizer: preTokenizer,
                      ignoresMerges: model?["ignore_merges"]?.bool ?? false, bosID: bosID ?? table.find("<|endoftext|>"),
                      eosID: table.find("<|endoftext|>"), padID: nil, addsBOS: bosID != nil, chatTemplate: nil,
                      vocabularyField: "model.vocab", mergesField: "model.merges", rejectDuplicates: false)
    }

    /// The named pre-tokenizer the flattened `steps` spell, or an error listing the supported forms.
    private static func byteLevelPreTokenizer(_ steps: [OrderedJSON], _ fail: (String, String) -> TokenizerError) throws -> PreTokenizer {
        let supported = "supported: ByteLevel(use_regex=true); Sequence[Digits(individual_digits=true), ByteLevel]; "
            + "Sequence[Split(GPT-2, Llama 3 or Qwen 2 regex, Isolated), ByteLevel(use_regex=false)]"
        for (index, step) in steps.enumerated() where step["type"]?.string == "ByteLevel" && step["add_prefix_space"]?.bool == true {
            throw fail("pre_tokenizer[\(index)]", "ByteLevel add_prefix_space=true is not supported")
        }
        let usesRegex = steps.last?["use_regex"]?.bool ?? true
        let kinds = steps.map { $0["type"]?.string ?? "?" }
        switch kinds {
        case ["ByteLevel"] where usesRegex:
            return .gpt2
        case ["Digits", "ByteLevel"] where usesRegex && steps[0]["individual_digits"]?.bool == true:
            return .smollm
        case ["Split", "ByteLevel"] where !usesRegex:
            let split = steps[0]
            let pattern = split["pattern"]?["Regex"]?.string
            guard split["behavior"]?.string == "Isolated", split["invert"]?.bool != true,
                  let named = [PreTokenizer.gpt2, .llama3, .qwen2].first(where: { $0.regex == pattern }) else {
                throw fail("pre_tokenizer[0]", "Split \(pattern?.debugDescription ?? "without a Regex pattern") (\(split["behavior"]?.string ?? "?")) is not a supported regex; \(supported)")
            }
            return named
        default:
            throw fail("pre_tokenizer", "pre-tokenizer \(kinds.joined(separator: " + ")) (use_regex \(usesRegex)) is not supported; \(supported)")
        }
    }
}
