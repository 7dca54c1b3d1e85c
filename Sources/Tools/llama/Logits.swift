import ArgumentParser
import Foundation
import Llama
import Tensor

extension LlamaTool {
    struct Logits: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the logits [tokens, vocab] of a sequence to a safetensors file.")

        @Option(help: modelHelp) var model: String = "smollm2"
        @OptionGroup var input: InputOptions
        @Option(help: "Output .safetensors file (one float32 tensor named logits).") var out: String

        func run() throws {
            let llama = try loadModel(model)
            let ids = try input.tokens(model: model)
            guard ids.count <= llama.config.maxPositions else { throw ValidationError("\(ids.count) tokens exceed the context of \(llama.config.maxPositions)") }
            if let bad = ids.first(where: { $0 < 0 || $0 >= llama.config.vocabSize }) {
                throw ValidationError("token id \(bad) is outside the vocabulary of \(llama.config.vocabSize)")
            }
            let logits = llama.logits(ids: ids)
            try SafeTensorsWriter.write([.init(name: "logits", tensor: logits)], metadata: ["ids": ids.map(String.init).joined(separator: ",")],
                                        to: URL(fileURLWithPath: out))
            note("wrote logits \(logits.shape) to \(out)")
        }
    }
}
