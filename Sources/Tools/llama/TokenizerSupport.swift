import ArgumentParser
import Foundation
import Llama

/// What the tool needs from a tokenizer.
protocol TextTokenizer {
    func encode(_ text: String, addBOS: Bool) -> [Int]
    func decode(_ ids: [Int]) -> String
}

extension Tokenizer: TextTokenizer {
    func encode(_ text: String, addBOS: Bool) -> [Int] { encode(text, addBOS: addBOS, addEOS: false) }
}

/// The tokenizer in `override`, or the one that ships with `model`: `tokenizer.model` or
/// `tokenizer.json` in a Hugging Face directory, or a GGUF file's embedded vocabulary. llama2.c
/// checkpoints carry none and need `--tokenizer`.
func loadTokenizer(model: String?, override: String?) throws -> any TextTokenizer {
    if let override { return try Tokenizer(contentsOf: URL(fileURLWithPath: override)) }
    guard let model else { throw ValidationError("give --model or --tokenizer") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
        for name in ["tokenizer.model", "tokenizer.json"] {
            let url = URL(fileURLWithPath: model).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return try Tokenizer(contentsOf: url) }
        }
        throw ValidationError("\(model) has no tokenizer.model or tokenizer.json; pass --tokenizer")
    }
    guard let gguf = try? GGUFFile(path: model) else {
        throw ValidationError("\(model) carries no tokenizer (llama2.c checkpoints need --tokenizer tokenizer.bin)")
    }
    let m = gguf.metadata
    func fail(_ key: String) -> FormatError { FormatError(file: model, field: key, message: "missing or malformed tokenizer metadata") }
    guard let pieces = m["tokenizer.ggml.tokens"]?.arrayValue?.compactMap(\.stringValue) else { throw fail("tokenizer.ggml.tokens") }
    let scores = m["tokenizer.ggml.scores"]?.arrayValue?.compactMap { $0.floatValue.map(Float.init) } ?? Array(repeating: 0, count: pieces.count)
    let types = try (m["tokenizer.ggml.token_type"]?.arrayValue ?? Array(repeating: .int(1), count: pieces.count)).map { value -> Tokenizer.PieceType in
        guard let raw = value.intValue, let type = Tokenizer.PieceType(rawValue: raw) else { throw fail("tokenizer.ggml.token_type") }
        return type
    }
    var normalization = Tokenizer.Normalization()
    if case .bool(let prefix)? = m["tokenizer.ggml.add_space_prefix"] { normalization.addDummyPrefix = prefix }
    return try Tokenizer(file: model, pieces: pieces, scores: scores, types: types,
                         unknownID: m["tokenizer.ggml.unknown_token_id"]?.intValue, bosID: m["tokenizer.ggml.bos_token_id"]?.intValue,
                         eosID: m["tokenizer.ggml.eos_token_id"]?.intValue, padID: m["tokenizer.ggml.padding_token_id"]?.intValue,
                         normalization: normalization)
}
