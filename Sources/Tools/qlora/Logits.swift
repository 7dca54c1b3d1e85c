import ArgumentParser
import Foundation
import Llama
import QLoRA
import ToolSupport
import Tensor

struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the logits of a sequence with adapters applied (like `llama logits`).",
        discussion: "--weights gives the gate weights directly instead of the router, so merges can be checked against PEFT.")

    @Option(name: both("model")) var model: String
    @Option(name: both("tokenizer")) var tokenizer: String?
    @Option(name: both("adapter"), help: "NAME=DIR, repeatable.") var adapter: [String] = []
    @Option(name: both("router")) var router: String?
    @Option(name: both("blend")) var blend = "linear"
    @Option(name: both("weights"), help: "Comma-separated gate weights, one per source adapter.") var weights: String?
    @Option(name: both("ids"), help: "Comma-separated token ids.") var ids: String?
    @Option(name: both("prompt"), help: "Text, tokenized with BOS.") var prompt: String?
    @Option(name: both("out"), help: "Output .safetensors with one float32 tensor `logits` [tokens, vocab].") var out: String

    func validate() throws {
        guard (ids == nil) != (prompt == nil) else { throw ValidationError("give exactly one of --ids and --prompt") }
        guard BlendMode(rawValue: blend) != nil else { throw ValidationError("--blend must be one of \(BlendMode.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard !adapter.isEmpty else { throw ValidationError("give at least one --adapter NAME=DIR") }
    }

    func run() throws {
        try userFacing {
            // Ids with given (or uniform) gates never touch text, so a llama2.c checkpoint needs no tokenizer;
            // only --prompt and the router (which embeds the prompt) do.
            let needsTokenizer = prompt != nil || (weights == nil && router != nil)
            let model: LlamaModel, mixer: AdapterMixer, gates: [Double], tokens: [Int]
            if needsTokenizer {
                let classifier = try buildClassifier(model: self.model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router)
                model = classifier.model
                mixer = classifier.mixer
                tokens = try ids.map { try parseList($0, flag: "--ids") } ?? classifier.tokenizer.encode(prompt!, addBOS: true)
                gates = try weights.map { try parseList($0, flag: "--weights") } ?? classifier.gates(prompt ?? "")
            } else {
                model = try LlamaModel.load(try resolveModelPath(self.model))
                mixer = try AdapterMixer(model: model, adapters: try loadAdapters(adapter))
                tokens = try parseList(ids!, flag: "--ids")
                gates = try weights.map { try parseList($0, flag: "--weights") } ?? Array(repeating: 1 / Double(mixer.sources.count), count: mixer.sources.count)
            }
            guard !tokens.isEmpty, tokens.allSatisfy({ $0 >= 0 && $0 < model.config.vocabSize }) else {
                throw ToolError("--ids: every id must be in 0..<\(model.config.vocabSize)")
            }
            let (provider, used) = try mixer.provider(mode: BlendMode(rawValue: blend)!, gates: gates)
            let logits = model.logits(tokens, linears: provider)
            try SafeTensorsWriter.write([.init(name: "logits", tensor: logits)], to: URL(fileURLWithPath: out))
            note("wrote logits [\(tokens.count), \(model.config.vocabSize)] to \(out) using " + used.map { String(format: "%@ x %.4f", $0.0, $0.1) }.joined(separator: ", "))
        }
    }
}
