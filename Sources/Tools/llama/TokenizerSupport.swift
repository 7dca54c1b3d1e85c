import ArgumentParser
import Foundation
import Llama

/// What the tool needs from a tokenizer; the SentencePiece tokenizer of the Llama module
/// provides it.
protocol TextTokenizer {
    func encode(_ text: String, addBOS: Bool) -> [Int]
    func decode(_ ids: [Int]) -> String
}

/// The tokenizer in `override`, or the one that ships with `model` (a `tokenizer.model` or
/// `tokenizer.json` beside it, or the GGUF's embedded vocabulary).
func loadTokenizer(model: String?, override: String?) throws -> any TextTokenizer {
    throw ValidationError("text input and output need the SentencePiece tokenizer, which this build lacks; use --ids")
}
