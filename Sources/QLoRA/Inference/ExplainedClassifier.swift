import Autograd
import Foundation
import Llama
import Tensor

/// A statement the detector cannot run on.
public struct InferenceError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// One statement's verdict: the router's gates, the adapters used, and the parsed answer(s).
public struct Verdict: Sendable {
    public var statement: String
    public var gates: [(name: String, probability: Double)]
    public var adaptersUsed: [(name: String, weight: Double)]
    public var answers: [ExplainedAnswer]
    public var seconds: Double
    /// The chat style's label distribution (after the log-prior correction); its argmax is every
    /// answer's label. `nil` for the paper's layouts, whose label comes after the explanation.
    public var labelProbabilities: [HateLabel: Double]? = nil
    /// Why the statement was read differently from how it was given (cut to fit the context).
    public var warnings: [String] = []

    /// The first answer's label, or without an answer (`labelVerdicts`) the most probable label.
    public var label: HateLabel? {
        if let a = answers.first { return a.label }
        return labelProbabilities.map { LabelDistribution(probabilities: $0).label }
    }
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
    /// Added to the chat style's label log-probabilities before the argmax (zero when absent).
    public var labelLogPriorCorrection: [HateLabel: Double] = [:]
    /// Per source adapter, added in proportion to that adapter's weight in the mix: an adapter
    /// trained on a class-balanced sample learns the sample's label prior, and its own correction
    /// moves its answers back towards its source's true label frequencies.
    public var sourceLabelLogPriorCorrection: [String: [HateLabel: Double]] = [:]

    /// The correction for a mix of adapters (name, weight).
    public func priorCorrection(used: [(String, Double)]) -> [HateLabel: Double] {
        var total = labelLogPriorCorrection
        for (name, weight) in used {
            for (label, v) in sourceLabelLogPriorCorrection[name] ?? [:] { total[label, default: 0] += weight * v }
        }
        return total
    }
    /// The blend mode the tools use unless told: a bundle's `default_mode`, else linear (the paper's).
    public var defaultMode: BlendMode = .linear
    /// The closed list the chat style's "Affected Groups:" section is decoded from.
    public var targetGroups: [String] = TargetGroups.all

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
        let fingerprint = BaseFingerprint.of(config: model.config, tokenizer: tokenizer)
        for (name, adapter) in mixer.adapters { try BaseFingerprint.check(adapter, name: name, fingerprint: fingerprint) }
        self.model = model
        self.tokenizer = tokenizer
        self.mixer = mixer
        self.router = router
        self.embedder = embedder
    }

    /// Gate probabilities for `statement`: the router's, or uniform without a router.
    public func gates(_ statement: String) throws -> [Double] { try gates(batch: [statement])[0] }
    private var gateCache: [String: [Double]] = [:]

    /// Gate probabilities for each of `statements`, the uncached ones embedded in one batch.
    /// Routing embeds a statement with a forward pass of the base; an evaluation asks again for
    /// every blend mode, so the last few thousand answers are kept.
    public func gates(batch statements: [String]) throws -> [[Double]] {
        guard let router else { return statements.map { _ in Array(repeating: 1 / Double(mixer.sources.count), count: mixer.sources.count) } }
        let missing = Array(Set(statements.filter { gateCache[$0] == nil })).sorted()
        if !missing.isEmpty {
            let p = try router.probabilities(embedder.embed(missing))
            if gateCache.count + missing.count > 4096 { gateCache.removeAll(keepingCapacity: true) }
            for (r, s) in missing.enumerated() { gateCache[s] = p.select(axis: 0, r).scalars.map(Double.init) }
        }
        return statements.map { gateCache[$0]! }
    }

    /// The router's gates for `statement`, computed afresh (what `gates` caches; benchmarks time it).
    public func routedGates(_ statement: String) throws -> [Double] {
        guard let router else { return try gates(statement) }
        return try routedGates(router, statement)
    }

    private func routedGates(_ router: Router, _ statement: String) throws -> [Double] {
        try router.probabilities(embedder.embed([statement])).scalars.map(Double.init)
    }

    /// The same detector (adapters, router, prompt style, corrections, groups, default mode) over
    /// `model`, a base of the same shape holding other kernels (an exact-GEMV reference, say).
    public func onModel(_ model: LlamaModel) throws -> ExplainedClassifier {
        let c = try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: AdapterMixer(model: model, adapters: mixer.adapters),
                                        router: router, embedder: BaseModelEmbedder(model: model, tokenizer: tokenizer))
        c.promptStyle = promptStyle
        c.defaultMode = defaultMode
        c.labelLogPriorCorrection = labelLogPriorCorrection
        c.sourceLabelLogPriorCorrection = sourceLabelLogPriorCorrection
        c.targetGroups = targetGroups
        c.cachesPromptPrefix = cachesPromptPrefix
        return c
    }

    /// Classifies and explains `statement`. In the chat style the label is the argmax of
    /// `labelProbabilities` and, with `grounded` (the default), the answer follows
    /// `ChatAnswerGrammar`: groups from `targetGroups`, harmful words copied from the statement.
    public func classify(_ statement: String, mode: BlendMode, gates override: [Double]? = nil, options: GenerationOptions,
                         grounded: Bool = true, onToken: ((Int, Int) -> Void)? = nil) throws -> Verdict {
        // An empty prompt slot still yields an answer (the model's prior), which would read as a verdict.
        guard !statement.allSatisfy(\.isWhitespace) else { throw StatementError.empty }
        let start = Date()
        let gates = try override ?? self.gates(statement)
        let (provider, used) = try mixer.provider(mode: mode, gates: gates)
        var verdict = Verdict(statement: statement, gates: zip(mixer.sources.map(\.name), gates).map { ($0, $1) },
                              adaptersUsed: used, answers: [], seconds: 0)
        if promptStyle == .chat {
            let prompt = try ChatPrompt(statement: statement, tokenizer: tokenizer, contextLength: model.config.maxPositions,
                                        reservedTokens: options.maxNewTokens)
            let tokens = try chatTokens()
            let grammar = ChatAnswerGrammar(tokenizer: tokenizer, tokens: tokens, statement: prompt.statement, groups: groupTries(tokens),
                                            grounded: grounded, logPriorCorrection: priorCorrection(used: used))
            var chatOptions = options
            chatOptions.stopTokenIDs.insert(tokens.endOfTurn)
            let outputs = try model.generate(prompt: prompt.tokens, options: chatOptions, linears: provider,
                                             prefix: promptPrefix(prompt.tokens, mode: mode, used: used, provider: provider),
                                             logitsProcessor: grammar.process, onToken: onToken)
            if let d = grammar.distribution {
                verdict.labelProbabilities = d.probabilities
                verdict.answers = outputs.map { ExplainedAnswer(chatAnswer: PromptFormat.chatLabelPrefix + tokenizer.decode($0), label: d.label) }
            }
            verdict.warnings = prompt.warning.map { [$0] } ?? []
        } else {
            let prompt = tokenizer.encode(PromptFormat.prompt(statement: statement, style: promptStyle), addBOS: true)
            guard prompt.count < model.config.maxPositions else {
                throw InferenceError(message: "the prompt for this statement is \(prompt.count) tokens, the model's context holds \(model.config.maxPositions)")
            }
            let outputs = try model.generate(prompt: prompt, options: options, linears: provider, onToken: onToken)
            verdict.answers = outputs.map { ExplainedAnswer(parsing: tokenizer.decode($0)) }
        }
        verdict.seconds = Date().timeIntervalSince(start)
        return verdict
    }

    /// The chat style's label distribution for `statement` from one forward pass, without an
    /// answer: what faithfulness metrics compare across edited statements.
    public func labelProbabilities(_ statement: String, mode: BlendMode, gates override: [Double]? = nil) throws -> [HateLabel: Double] {
        try labelVerdicts([statement], mode: mode, gates: override.map { [$0] })[0].labelProbabilities!
    }

    /// The label alone, as cheaply as the prompt style allows. In the chat style the answer's label
    /// is by construction the argmax of the label distribution at "Classification:", so one forward
    /// pass gives it (and the distribution) without generating the explanation; the paper's layouts
    /// put the label after the explanation, so a greedy answer of up to `maxNewTokens` is parsed.
    public func label(_ statement: String, mode: BlendMode, gates: [Double]? = nil, maxNewTokens: Int = 120) throws -> (HateLabel?, [HateLabel: Double]?) {
        if promptStyle == .chat {
            let p = try labelProbabilities(statement, mode: mode, gates: gates)
            return (LabelDistribution(probabilities: p).label, p)
        }
        return (try classify(statement, mode: mode, gates: gates, options: GenerationOptions(maxNewTokens: maxNewTokens, sampler: .greedyDecoding)).label, nil)
    }

    /// Keys and values of the chat prompt's fixed opening (the system turn and the start of the
    /// user's), per adapter choice that stays the same across statements: one adapter at weight 1
    /// (top1, full, an adapter alone) or the base alone. Every chat prompt opens with the same
    /// tokens, so a statement then runs only its own. A gate-weighted mix (linear, cat) changes
    /// with every statement's gates and is not cached.
    private var prefixCache: [String: KVCache] = [:]
    private var cachedPrefixTokens: [Int]?
    /// Whether the chat prompt's opening is cached per fixed adapter choice (as `use_cache` in
    /// transformers, off only to compare against the uncached forward).
    public var cachesPromptPrefix = true

    /// A cache holding `tokens`' opening, or nil when the mix is not cacheable.
    private func promptPrefix(_ tokens: [Int], mode: BlendMode, used: [(String, Double)], provider: LinearProvider) throws -> KVCache? {
        guard cachesPromptPrefix, promptStyle == .chat, let key = fixedChoiceKey(mode: mode, used: used) else { return nil }
        let n = try sharedOpeningLength(tokens)
        guard n > 0 else { return nil }
        return try openingCache(key: key, provider: provider).copy(length: n)
    }

    /// The key of an adapter choice that stays the same across statements (one adapter at weight
    /// 1, or the base alone), or nil for a gate-weighted mix.
    func fixedChoiceKey(mode: BlendMode, used: [(String, Double)]) -> String? {
        guard used.count <= 1, used.allSatisfy({ $0.1 == 1 }) else { return nil }
        return mode.rawValue + "/" + (used.first?.0 ?? "")
    }

    /// How many of `tokens`' first positions the cached opening holds. The statement's first bytes
    /// could merge with the opening's last token, so only the tokens both share count, and at
    /// least one prompt token is left to run.
    func sharedOpeningLength(_ tokens: [Int]) throws -> Int {
        let fixed = try chatPrefixTokens()
        var n = 0
        while n < min(fixed.count, tokens.count - 1) && fixed[n] == tokens[n] { n += 1 }
        return n
    }

    /// The chat opening's keys and values under the fixed adapter choice `key`.
    func openingCache(key: String, provider: LinearProvider) throws -> KVCache {
        if let c = prefixCache[key] { return c }
        let fixed = try chatPrefixTokens()
        let cache = KVCache(layers: model.config.numLayers)
        _ = noGrad { model.forward([fixed], cache: cache, linears: provider) }
        prefixCache[key] = cache
        return cache
    }

    /// The tokens every chat prompt opens with: what two prompts of different statements share.
    private func chatPrefixTokens() throws -> [Int] {
        if let cachedPrefixTokens { return cachedPrefixTokens }
        let a = try ChatPrompt(statement: "a", tokenizer: tokenizer, contextLength: model.config.maxPositions, reservedTokens: 1).tokens
        let b = try ChatPrompt(statement: "b", tokenizer: tokenizer, contextLength: model.config.maxPositions, reservedTokens: 1).tokens
        var n = 0
        while n < min(a.count, b.count) && a[n] == b[n] { n += 1 }
        cachedPrefixTokens = Array(a.prefix(n))
        return cachedPrefixTokens!
    }

    private var cachedChatTokens: ChatAnswerTokens?
    func chatTokens() throws -> ChatAnswerTokens {
        if let cachedChatTokens { return cachedChatTokens }
        let t = try ChatAnswerTokens(tokenizer: tokenizer)
        cachedChatTokens = t
        return t
    }

    private var cachedGroupTries: (groups: [String], tries: ChatAnswerGrammar.ListTries)?
    func groupTries(_ tokens: ChatAnswerTokens) -> ChatAnswerGrammar.ListTries {
        if let cachedGroupTries, cachedGroupTries.groups == targetGroups { return cachedGroupTries.tries }
        let tries = ChatAnswerGrammar.ListTries(items: targetGroups, tokenizer: tokenizer, tokens: tokens)
        cachedGroupTries = (targetGroups, tries)
        return tries
    }
}
