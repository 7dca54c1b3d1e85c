import ArgumentParser
import Foundation
import ToolSupport
import Llama
import Tensor

extension LlamaTool {
    struct Logits: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the logits [tokens, vocab] of a sequence to a safetensors file.")

        @Option(help: modelHelp) var model: String = "smollm2"
        @OptionGroup var input: InputOptions
        @Option(help: "Output .safetensors file (one float32 tensor named logits).") var out: String

        func run() throws {
            let llama = try loadInference(model)
            let ids = try input.tokens(model: model, config: llama.config)
            try GenerationError.check(prompt: ids, config: llama.config)
            let logits = llama.logits(ids: ids)
            try GenerationError.checkFinite(logits.select(axis: 0, ids.count - 1).scalars, position: ids.count - 1)
            try SafeTensorsWriter.write([.init(name: "logits", tensor: logits)], metadata: ["ids": ids.map(String.init).joined(separator: ",")],
                                        to: URL(fileURLWithPath: out))
            note("wrote logits \(logits.shape) to \(out)")
        }
    }
}
