import Foundation
import Llama

/// A model (any format we read, or a published model's name) and its tokenizer (beside it,
/// embedded, or `tokenizerPath`), whose vocabularies must agree. With `keepGGUFBlocks`, a GGUF
/// model's linear layers stay in their quantized blocks.
public func loadModel(_ spec: String, tokenizer tokenizerPath: String?, keepGGUFBlocks: Bool = false) throws -> (LlamaModel, Tokenizer) {
    let path = try resolveModelPath(spec)
    let model = try LlamaModel.load(path, keepGGUFBlocks: keepGGUFBlocks)
    let tokenizer = try Tokenizer.forModel(at: path, override: tokenizerPath)
    try tokenizer.checkCompatible(with: model.config, tokenizerFile: tokenizerPath ?? path, modelFile: path)
    return (model, tokenizer)
}
