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
func loadTokenizer(model: String?, override: String?) throws -> any TextTokenizer {
    guard let model = model ?? override else { throw ValidationError("give --model or --tokenizer") }
    return try Tokenizer.forModel(at: override == nil ? try resolveModelPath(model) : model, override: override)
}
