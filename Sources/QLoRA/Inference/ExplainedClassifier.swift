import Foundation
import Llama
import Tensor

/// A statement the detector cannot run on.
public struct InferenceError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

/// One statement's verdict: the router's gates, the adapters used, and the parsed answer(s).
public struct Verdict: Sendable {
    public var statement: String
    public var gates: [(name: String, probability: Double)]
    public var adaptersUsed: [(name: String, weight: Double)]
    public var answers: [ExplainedAnswer]
    public var seconds: Double

    /// The first answer's label.
    public var label: HateLabel? { answers.first?.label }
}

/// The ExplainingHate detector: route the statement, mix the adapters, generate the explained
/// answer with the paper's prompt, parse it.
public final class ExplainedClassifier {
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let mixer: AdapterMixer
    public let router: Router?
    public let embedder: Embedder
    /// The instruction the adapters were trained with.
    public var promptStyle: PromptStyle = .paper

    public init(model: LlamaModel, tokenizer: Tokenizer, mixer: AdapterMixer, router: Router?, embedder: Embedder) throws {
        if let router {
            let names = mixer.sources.map(\.name)
            guard router.adapterNames == names else {
                throw AdapterError(file: "router", field: "adapter_names", message: "router routes to \(router.adapterNames), the adapters given are \(names)")
            }
            guard router.dimension == embedder.dimension else {
                throw AdapterError(file: "router", field: "w1", message: "router expects \(router.dimension)-wide embeddings, the embedder gives \(embedder.dimension)")
            }
        }
        self.model = model
        self.tokenizer = tokenizer
        self.mixer = mixer
        self.router = router
        self.embedder = embedder
    }

    /// Gate probabilities for `statement`: the router's, or uniform without a router.
    public func gates(_ statement: String) throws -> [Double] {
        guard let router else { return Array(repeating: 1 / Double(mixer.sources.count), count: mixer.sources.count) }
        return try router.probabilities(embedder.embed([statement])).scalars.map(Double.init)
    }

    public func classify(_ statement: String, mode: BlendMode, gates override: [Double]? = nil, options: GenerationOptions,
                         onToken: ((Int, Int) -> Void)? = nil) throws -> Verdict {
        // An empty prompt slot still yields an answer (the model's prior), which would read as a verdict.
        guard !statement.allSatisfy(\.isWhitespace) else {
            throw InferenceError(message: "the statement is empty or only whitespace; there is nothing to classify")
        }
        let start = Date()
        let gates = try override ?? self.gates(statement)
        let (provider, used) = try mixer.provider(mode: mode, gates: gates)
        let prompt = tokenizer.encode(PromptFormat.prompt(statement: statement, style: promptStyle), addBOS: true)
        guard prompt.count < model.config.maxPositions else {
            throw InferenceError(message: "the prompt for this statement is \(prompt.count) tokens, the model's context holds \(model.config.maxPositions)")
        }
        let outputs = try model.generate(prompt: prompt, options: options, linears: provider, onToken: onToken)
        let answers = outputs.map { ExplainedAnswer(parsing: tokenizer.decode($0)) }
        return Verdict(statement: statement, gates: zip(mixer.sources.map(\.name), gates).map { ($0, $1) },
                       adaptersUsed: used, answers: answers, seconds: Date().timeIntervalSince(start))
    }
}
