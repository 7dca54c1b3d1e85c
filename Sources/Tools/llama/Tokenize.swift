import ArgumentParser
import Foundation
import Llama

extension LlamaTool {
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print token ids, space-separated, one line per input line with --text-file.")

        @Option(help: "Model whose tokenizer to use.") var model: String?
        @Option(help: "Tokenizer file (tokenizer.model, tokenizer.json or llama2.c tokenizer.bin).") var tokenizer: String?
        @Option(help: "Text to tokenize.") var text: String?
        @Option(help: "File whose lines are tokenized one by one.") var textFile: String?
        @Flag(help: "Do not prepend BOS.") var noBos = false

        func validate() throws {
            guard (model == nil) != (tokenizer == nil) || (model != nil && tokenizer != nil) else { throw ValidationError("give --model or --tokenizer") }
            guard (text == nil) != (textFile == nil) else { throw ValidationError("give exactly one of --text and --text-file") }
        }

        func run() throws {
            let tok = try loadTokenizer(model: model, override: tokenizer)
            let lines: [String]
            if let text { lines = [text] } else {
                guard let content = try? String(contentsOfFile: textFile!, encoding: .utf8) else { throw ValidationError("cannot read \(textFile!) as UTF-8") }
                lines = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    .dropLast(content.hasSuffix("\n") ? 1 : 0)
            }
            for line in lines { print(tok.encode(line, addBOS: !noBos).map(String.init).joined(separator: " ")) }
        }
    }
}
