import ArgumentParser
import Foundation
import Llama
import ToolSupport
import QLoRA

/// A failure the user can act on: printed as one line, exit code 1.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning thrown errors into `ToolError`s with their message.
func userFacing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ToolError { throw e } catch let e as ValidationError { throw e } catch {
        throw ToolError("\(error)")
    }
}

/// A model (any format we read) and its tokenizer (beside it, embedded, or `--tokenizer`), whose
/// vocabularies must agree. With `keepGGUFBlocks`, a GGUF model's linear layers stay in their
/// quantized blocks.
func loadModel(_ spec: String, tokenizer tokenizerPath: String?, keepGGUFBlocks: Bool = false) throws -> (LlamaModel, Tokenizer) {
    let path = try resolveModelPath(spec)
    let model = try LlamaModel.load(path, keepGGUFBlocks: keepGGUFBlocks)
    let tokenizer = try Tokenizer.forModel(at: path, override: tokenizerPath)
    try tokenizer.checkCompatible(with: model.config, tokenizerFile: tokenizerPath ?? path, modelFile: path)
    return (model, tokenizer)
}

/// `NAME=DIR` pairs of `--adapter`, loaded in the order given.
func loadAdapters(_ specs: [String]) throws -> [(name: String, adapter: LoRAAdapter)] { try LoRAAdapter.loadNamed(specs) }

/// Comma-separated numbers (`--ids 1,5,17`, `--weights 0.2,0.5,0.3`).
func parseList<T: LosslessStringConvertible>(_ text: String, flag: String) throws -> [T] {
    try text.split(separator: ",").map {
        guard let v = T(String($0).trimmingCharacters(in: .whitespaces)) else { throw ToolError("\(flag) \(text): '\($0)' is not a number") }
        return v
    }
}

/// Progress and diagnostics go to standard error so standard output stays machine-readable.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
