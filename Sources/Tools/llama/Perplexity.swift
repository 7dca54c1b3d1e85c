import ArgumentParser
import Foundation
import ToolSupport
import Llama

extension LlamaTool {
    struct Perplexity: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the mean negative log-likelihood and perplexity of a text.")

        @Option(help: modelHelp) var model: String = "smollm2"
        @Option(help: "UTF-8 text file.") var textFile: String
        @Option(help: "Tokenizer file; default: the model's own.") var tokenizer: String?

        func run() throws {
            let llama = try loadInference(model)
            let text: String
            do { text = try String(contentsOfFile: textFile, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(textFile) as UTF-8: \(error.localizedDescription)")
            }
            let ids = try loadTokenizer(model: model, override: tokenizer, checkedAgainst: llama.config).encode(text, addBOS: true)
            guard ids.count >= 2 else { throw ValidationError("\(textFile) has too few tokens to score") }
            let (total, count) = llama.negativeLogLikelihood(ids: ids)
            let mean = total / Double(count)
            print(String(format: "tokens: %d, mean NLL: %.6f nats, perplexity: %.4f", count, mean, Foundation.exp(mean)))
        }
    }
}
