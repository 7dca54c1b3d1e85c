import ArgumentParser
import Foundation
import Llama
import ToolSupport

extension LlamaTool {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Continue a prompt, streaming the text, then print tokens/s.")

        @Option(help: modelHelp) var model: String = "smollm2"
        @OptionGroup var input: InputOptions
        @Option(help: "Softmax temperature.") var temperature: Float = 1
        @Option(help: "Keep the k most probable tokens (0: all).") var topK: Int = 0
        @Option(help: "Keep the smallest set of tokens whose probability reaches p.") var topP: Float = 1
        @Option(help: "Tokens to generate per sequence.") var maxNewTokens: Int = 128
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Independent continuations, decoded as one batch.") var numReturnSequences: Int = 1
        @Flag(help: "Take the most probable token at every step.") var greedy = false
        @Flag(help: "Send --prompt as a user turn through the model's chat template (ChatML, e.g. SmolLM2-Instruct) and stop at the end of the assistant's turn.")
        var chat = false

        /// Sequences decode as one batch with a KV cache each, so their number bounds memory.
        static let maximumSequences = 256

        func validate() throws {
            guard greedy || (temperature > 0 && temperature.isFinite) else { throw ValidationError("--temperature must be positive and finite (or use --greedy), got \(temperature)") }
            guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
            guard topK >= 0, maxNewTokens >= 1 else { throw ValidationError("--top-k must be 0 or more and --max-new-tokens positive, got \(topK) and \(maxNewTokens)") }
            guard (1...Self.maximumSequences).contains(numReturnSequences) else {
                throw ValidationError("--num-return-sequences must be in 1...\(Self.maximumSequences), got \(numReturnSequences)")
            }
        }

        func run() throws {
            let llama = try loadInference(model)
            var prompt: [Int]
            var stops: Set<Int> = []
            var tokenizer: (any TextTokenizer)?
            if chat {
                guard let text = input.prompt, input.ids == nil else { throw ValidationError("--chat takes --prompt (text), not --ids") }
                let path = try resolveModelPath(model)
                let tok = try Tokenizer.forModel(at: path, override: input.tokenizer)
                try tok.checkCompatible(with: llama.config, tokenizerFile: input.tokenizer ?? path, modelFile: path)
                guard let template = tok.chatTemplate.flatMap(ChatTemplate.init(jinja:)) else {
                    throw ValidationError("--chat: \(model) has no ChatML chat template (tokenizer.chat_template)")
                }
                prompt = tok.encode(template.render([.init(role: "user", content: text)]), addBOS: true, addEOS: false)
                if let end = tok.id(forPiece: ChatTemplate.endOfTurn) { stops.insert(end) }
                tokenizer = tok
            } else {
                prompt = try input.tokens(model: model, config: llama.config)
                tokenizer = input.ids == nil ? try loadTokenizer(model: model, override: input.tokenizer, checkedAgainst: llama.config) : nil
            }
            let options = GenerationOptions(
                maxNewTokens: maxNewTokens, sampler: Sampler(greedy: greedy, temperature: temperature, topK: topK, topP: topP),
                seed: seed, numReturnSequences: numReturnSequences, stopAtEOS: true, stopTokenIDs: stops)

            let start = DispatchTime.now()
            var firstToken: DispatchTime?
            var streamed = [Int]()
            var printed = tokenizer?.decode(prompt) ?? ""
            let outputs = try llama.generate(prompt: prompt, options: options) { sequence, id in
                if firstToken == nil { firstToken = DispatchTime.now() }
                // Only the first sequence streams; the others are printed whole at the end.
                guard sequence == 0 else { return }
                if let tokenizer {
                    // Hold text back while it ends in an incomplete UTF-8 sequence (decoded as U+FFFD),
                    // so a character split over byte tokens prints once, whole.
                    streamed.append(id)
                    let text = tokenizer.decode(prompt + streamed)
                    if !text.hasSuffix("\u{FFFD}") && text.hasPrefix(printed) {
                        print(String(text.dropFirst(printed.count)), terminator: "")
                        printed = text
                    }
                } else {
                    print(id, terminator: " ")
                }
                fflush(stdout)
            }
            let end = DispatchTime.now()
            print()
            fflush(stdout)
            for (i, ids) in outputs.enumerated().dropFirst() {
                print("--- sequence \(i + 1)")
                print(tokenizer?.decode(prompt + ids) ?? ids.map(String.init).joined(separator: " "))
            }
            let prefill = Double((firstToken ?? end).uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let decode = Double(end.uptimeNanoseconds - (firstToken ?? end).uptimeNanoseconds) / 1e9
            let generated = outputs.map(\.count).reduce(0, +)
            note(String(format: "prompt: %d tokens, %.1f tokens/s; generation: %d tokens, %.1f tokens/s",
                        prompt.count * numReturnSequences, Double(prompt.count * numReturnSequences) / max(prefill, 1e-9),
                        generated - numReturnSequences, Double(max(generated - numReturnSequences, 0)) / max(decode, 1e-9)))
        }
    }
}
