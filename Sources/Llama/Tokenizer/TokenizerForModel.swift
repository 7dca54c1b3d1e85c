import Foundation

extension Tokenizer {
    /// The tokenizer in `override`, or the one that ships with the model at `model`:
    /// `tokenizer.model`, `tokenizer.json` or `tokenizer.bin` in a Hugging Face directory, or a GGUF
    /// file's embedded vocabulary (`tokenizer.ggml.model` "llama" is SentencePiece, "gpt2" byte-level
    /// BPE). llama2.c checkpoints carry none and need an override, which may itself be a GGUF file
    /// (the tokenizer of the model a checkpoint was quantized from).
    public static func forModel(at model: String, override: String? = nil) throws -> Tokenizer {
        if let override {
            if let head = FileHandle(forReadingAtPath: override)?.readData(ofLength: 4), head == Data("GGUF".utf8) {
                return try forModel(at: override)
            }
            return try Tokenizer(contentsOf: URL(fileURLWithPath: override))
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in ["tokenizer.model", "tokenizer.json", "tokenizer.bin"] {
                let url = URL(fileURLWithPath: model).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: url.path) else { continue }
                var tokenizer = try Tokenizer(contentsOf: url)
                let config = URL(fileURLWithPath: model).appendingPathComponent("tokenizer_config.json")
                if let data = try? Data(contentsOf: config), let root = try? OrderedJSON.parse(data).value {
                    tokenizer.chatTemplate = root["chat_template"]?.string
                }
                return tokenizer
            }
            throw TokenizerError(file: model, field: "tokenizer", reason: "no tokenizer.model, tokenizer.json or tokenizer.bin in the model directory; pass a tokenizer file")
        }
        guard let gguf = try? GGUFFile(path: model) else {
            throw TokenizerError(file: model, field: "tokenizer", reason: "the checkpoint carries no tokenizer (llama2.c checkpoints need a tokenizer.bin)")
        }
        return try Tokenizer(ggufMetadata: gguf.metadata, file: model)
    }

    /// The tokenizer a GGUF file's `tokenizer.ggml.*` metadata describes.
    /// - Throws: `TokenizerError` naming the key at fault, or an unsupported `tokenizer.ggml.model`
    ///   or `tokenizer.ggml.pre`.
    init(ggufMetadata m: [String: GGUFValue], file model: String) throws {
        func fail(_ key: String) -> TokenizerError { TokenizerError(file: model, field: key, reason: "missing or malformed tokenizer metadata") }
        let kind = m["tokenizer.ggml.model"]?.stringValue ?? "llama"
        guard kind == "llama" || kind == "gpt2" else {
            throw TokenizerError(file: model, field: "tokenizer.ggml.model", reason: "tokenizer model \(kind.debugDescription) is not supported (supported: llama, gpt2)")
        }
        guard let tokens = m["tokenizer.ggml.tokens"]?.arrayValue else { throw fail("tokenizer.ggml.tokens") }
        let pieces = tokens.compactMap(\.stringValue)
        guard pieces.count == tokens.count, !pieces.isEmpty else { throw fail("tokenizer.ggml.tokens") }
        let scores = m["tokenizer.ggml.scores"]?.arrayValue?.compactMap { $0.floatValue.map(Float.init) } ?? Array(repeating: 0, count: pieces.count)
        let types = try (m["tokenizer.ggml.token_type"]?.arrayValue ?? Array(repeating: .int(1), count: pieces.count)).map { value -> PieceType in
            guard let raw = value.intValue, let type = PieceType(rawValue: raw) else { throw fail("tokenizer.ggml.token_type") }
            return type
        }
        guard types.count == pieces.count else { throw fail("tokenizer.ggml.token_type") }
        var addsBOS = kind == "llama"
        if case .bool(let flag)? = m["tokenizer.ggml.add_bos_token"] { addsBOS = flag }
        let template = m["tokenizer.chat_template"]?.stringValue
        if kind == "gpt2" {
            guard let list = m["tokenizer.ggml.merges"]?.arrayValue else {
                throw TokenizerError(file: model, field: "tokenizer.ggml.merges", reason: "missing or not an array (byte-level BPE needs its merges)")
            }
            let merges = try list.enumerated().map { rank, value -> (String, String) in
                let parts = value.stringValue?.split(separator: " ", omittingEmptySubsequences: false) ?? []
                guard parts.count == 2 else {
                    throw TokenizerError(file: model, field: "tokenizer.ggml.merges[\(rank)]", reason: "\(value) is not two pieces separated by one space")
                }
                return (String(parts[0]), String(parts[1]))
            }
            let pre = try PreTokenizer(ggufName: m["tokenizer.ggml.pre"]?.stringValue, file: model, field: "tokenizer.ggml.pre")
            // llama.cpp ignores merges for whole-piece words under the Llama 3 pre-tokenizer, as Llama 3's tokenizer.json does.
            self = try Tokenizer(file: model, byteLevelPieces: pieces, types: types, merges: merges, preTokenizer: pre,
                                 ignoresMerges: pre == .llama3, bosID: m["tokenizer.ggml.bos_token_id"]?.intValue,
                                 eosID: m["tokenizer.ggml.eos_token_id"]?.intValue, padID: m["tokenizer.ggml.padding_token_id"]?.intValue,
                                 addsBOS: addsBOS, chatTemplate: template, vocabularyField: "tokenizer.ggml.tokens",
                                 mergesField: "tokenizer.ggml.merges", rejectDuplicates: true)
            return
        }
        var normalization = Normalization()
        if case .bool(let prefix)? = m["tokenizer.ggml.add_space_prefix"] { normalization.addDummyPrefix = prefix }
        self = try Tokenizer(file: model, pieces: pieces, scores: scores, types: types,
                             unknownID: m["tokenizer.ggml.unknown_token_id"]?.intValue, bosID: m["tokenizer.ggml.bos_token_id"]?.intValue,
                             eosID: m["tokenizer.ggml.eos_token_id"]?.intValue, padID: m["tokenizer.ggml.padding_token_id"]?.intValue,
                             normalization: normalization)
        self.addsBOS = addsBOS
        chatTemplate = template
    }
}
