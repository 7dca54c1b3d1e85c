import ArgumentParser
import Foundation
import Llama
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

/// A model and its tokenizer from a path: a Hugging Face directory (tokenizer.model,
/// tokenizer.json or tokenizer.bin beside it) or a llama2.c `.bin` (which needs `--tokenizer`).
func loadModel(_ path: String, tokenizer tokenizerPath: String?) throws -> (LlamaModel, Tokenizer) {
    let (model, tokenizer) = try loadModel(path, tokenizer: tokenizerPath, requireTokenizer: true)
    return (model, tokenizer!)
}

func loadModel(_ path: String, tokenizer tokenizerPath: String?, requireTokenizer: Bool) throws -> (LlamaModel, Tokenizer?) {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ToolError("\(path): no such file or directory") }
    let model = isDirectory.boolValue ? try HuggingFaceLoader.load(directory: url) : try Llama2cLoader.load(path: path)
    if let tokenizerPath { return (model, try Tokenizer(contentsOf: URL(fileURLWithPath: tokenizerPath))) }
    if isDirectory.boolValue {
        for name in ["tokenizer.model", "tokenizer.json", "tokenizer.bin"] {
            let candidate = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return (model, try Tokenizer(contentsOf: candidate)) }
        }
    }
    if !requireTokenizer { return (model, nil) }
    throw ToolError("\(path): no tokenizer found beside the model; pass --tokenizer FILE (tokenizer.model, tokenizer.json or llama2.c tokenizer.bin)")
}

/// `NAME=DIR` pairs of `--adapter`, loaded in the order given.
func loadAdapters(_ specs: [String]) throws -> [(name: String, adapter: LoRAAdapter)] {
    try specs.map { spec in
        guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
            throw ToolError("--adapter \(spec): expected NAME=DIR")
        }
        let name = String(spec[..<eq]), dir = String(spec[spec.index(after: eq)...])
        return (name, try LoRAAdapter.load(directory: URL(fileURLWithPath: dir)))
    }
}

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
