import Foundation

extension Tokenizer {
    /// The tokenizer in `override`, or the one that ships with the model at `model`:
    /// `tokenizer.model`, `tokenizer.json` or `tokenizer.bin` in a Hugging Face directory, or a GGUF
    /// file's embedded vocabulary. llama2.c checkpoints carry none and need an override.
    public static func forModel(at model: String, override: String? = nil) throws -> Tokenizer {
        if let override { return try Tokenizer(contentsOf: URL(fileURLWithPath: override)) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in ["tokenizer.model", "tokenizer.json", "tokenizer.bin"] {
                let url = URL(fileURLWithPath: model).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: url.path) { return try Tokenizer(contentsOf: url) }
            }
            throw TokenizerError(file: model, field: "tokenizer", reason: "no tokenizer.model, tokenizer.json or tokenizer.bin in the model directory; pass a tokenizer file")
        }
        guard let gguf = try? GGUFFile(path: model) else {
            throw TokenizerError(file: model, field: "tokenizer", reason: "the checkpoint carries no tokenizer (llama2.c checkpoints need a tokenizer.bin)")
        }
        let m = gguf.metadata
        func fail(_ key: String) -> TokenizerError { TokenizerError(file: model, field: key, reason: "missing or malformed tokenizer metadata") }
        guard let pieces = m["tokenizer.ggml.tokens"]?.arrayValue?.compactMap(\.stringValue) else { throw fail("tokenizer.ggml.tokens") }
        let scores = m["tokenizer.ggml.scores"]?.arrayValue?.compactMap { $0.floatValue.map(Float.init) } ?? Array(repeating: 0, count: pieces.count)
        let types = try (m["tokenizer.ggml.token_type"]?.arrayValue ?? Array(repeating: .int(1), count: pieces.count)).map { value -> PieceType in
            guard let raw = value.intValue, let type = PieceType(rawValue: raw) else { throw fail("tokenizer.ggml.token_type") }
            return type
        }
        var normalization = Normalization()
        if case .bool(let prefix)? = m["tokenizer.ggml.add_space_prefix"] { normalization.addDummyPrefix = prefix }
        return try Tokenizer(file: model, pieces: pieces, scores: scores, types: types,
                             unknownID: m["tokenizer.ggml.unknown_token_id"]?.intValue, bosID: m["tokenizer.ggml.bos_token_id"]?.intValue,
                             eosID: m["tokenizer.ggml.eos_token_id"]?.intValue, padID: m["tokenizer.ggml.padding_token_id"]?.intValue,
                             normalization: normalization)
    }
}
