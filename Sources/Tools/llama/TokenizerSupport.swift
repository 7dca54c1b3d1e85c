import ArgumentParser
import Foundation
import Llama
import ToolSupport

/// What the tool needs from a tokenizer.
protocol TextTokenizer {
    func encode(_ text: String, addBOS: Bool) -> [Int]
    func decode(_ ids: [Int]) -> String
}

extension Tokenizer: TextTokenizer {
    func encode(_ text: String, addBOS: Bool) -> [Int] { encode(text, addBOS: addBOS, addEOS: false) }
}

/// The tokenizer in `override`, or the one that ships with `model` (see `Tokenizer.forModel`).
/// With `config`, the model that will read its ids: the two vocabularies must agree.
func loadTokenizer(model: String?, override: String?, checkedAgainst config: LlamaConfig? = nil) throws -> any TextTokenizer {
    guard let model = model ?? override else { throw ValidationError("give --model or --tokenizer") }
    let path = override == nil ? try resolveModelPath(model) : model
    let tokenizer = try Tokenizer.forModel(at: path, override: override)
    if let config { try tokenizer.checkCompatible(with: config, tokenizerFile: override ?? path, modelFile: try resolveModelPath(model)) }
    return tokenizer
}
