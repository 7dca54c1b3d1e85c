import Autograd
import Foundation
import Llama
import Tensor

/// Scores sentences as the model's response to a fixed context, as the original likelihood-bias
/// measurement does (ParlAI's `eval_model` on a `__SILENCE__` context): the model reads the context
/// tokens, then the sentence tokens and EOS; only the sentence tokens and EOS are scored, and the
/// perplexity is `exp(mean NLL)` over them.
public struct PerplexityScorer {
    /// The context the original conditions on: ParlAI's silence token.
    public static let defaultContext = "__SILENCE__"

    public let model: LlamaModel
    /// Adapters to score with (a blended LoRA provider, say); the base model's layers when nil.
    public let linears: LinearProvider?
    /// The context token ids, BOS first; never scored.
    public let contextIDs: [Int]
    /// The end-of-sequence id appended to (and scored with) every sentence.
    public let eosID: Int

    /// A scorer over token ids. `contextIDs` must be non-empty (BOS at least): the first sentence
    /// token is predicted from the last context position.
    public init(model: LlamaModel, contextIDs: [Int], eosID: Int, linears: LinearProvider? = nil) {
        precondition(!contextIDs.isEmpty, "PerplexityScorer: the context needs at least one token (BOS) to predict the first sentence token from")
        precondition((contextIDs + [eosID]).allSatisfy { $0 >= 0 && $0 < model.config.vocabSize },
                     "PerplexityScorer: context and EOS ids must lie in the vocabulary of \(model.config.vocabSize)")
        self.model = model
        self.contextIDs = contextIDs
        self.eosID = eosID
        self.linears = linears
    }

    /// Per-sentence perplexities of token-id sentences (without BOS or EOS). Sentences of equal
    /// length share a forward pass, unpadded: padding changes the width the attention sums run over
    /// and with it their rounding, so a padded sentence's score would depend on the longest sentence
    /// batched with it (and a resumed run, batched differently, would differ from an uninterrupted
    /// one). Rows of one width are computed independently of how many there are, so every
    /// sentence's score is the one it gets alone.
    public func perplexities(ids sentences: [[Int]]) -> [Double] {
        let rows = sentences.map { contextIDs + $0 + [eosID] }
        if let longest = rows.map(\.count).max() {
            precondition(longest <= model.config.maxPositions,
                         "PerplexityScorer: a context plus sentence of \(longest) tokens exceeds the model's \(model.config.maxPositions) positions")
        }
        var result = [Double](repeating: 0, count: rows.count)
        let vocab = model.config.vocabSize, first = contextIDs.count
        for (width, members) in Dictionary(grouping: rows.indices, by: { rows[$0].count }).sorted(by: { $0.key < $1.key }) {
            let logits = noGrad { model.forward(members.map { rows[$0] }, linears: linears).value.contiguous() }
            logits.withUnsafeBufferPointer { p in
                for (b, index) in members.enumerated() {
                    var total = 0.0
                    for t in first..<width {
                        total += Self.negativeLogLikelihood(p.baseAddress! + (b * width + t - 1) * vocab, count: vocab, target: rows[index][t])
                    }
                    result[index] = exp(total / Double(width - first))
                }
            }
        }
        return result
    }

    /// `-log_softmax(logits)[target]` in Double, max-shifted.
    static func negativeLogLikelihood(_ logits: UnsafePointer<Float>, count: Int, target: Int) -> Double {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, logits[i]) }
        var sum = 0.0
        for i in 0..<count { sum += Foundation.exp(Double(logits[i] - m)) }
        return Foundation.log(sum) - Double(logits[target] - m)
    }
}

extension PerplexityScorer {
    /// A scorer whose context is `context` encoded with BOS (the empty string leaves BOS alone).
    /// The tokenizer must define BOS and EOS.
    public init(model: LlamaModel, tokenizer: Tokenizer, context: String = PerplexityScorer.defaultContext,
                linears: LinearProvider? = nil) {
        guard let bos = tokenizer.bosID, let eos = tokenizer.eosID else {
            preconditionFailure("PerplexityScorer: the tokenizer defines no BOS or EOS id")
        }
        let contextIDs = context.isEmpty ? [bos] : tokenizer.encode(context, addBOS: true)
        self.init(model: model, contextIDs: contextIDs, eosID: eos, linears: linears)
    }

    /// Perplexities of `texts`, each tokenized on its own (as a response is, apart from its context).
    public func perplexities(texts: [String], tokenizer: Tokenizer) -> [Double] {
        perplexities(ids: texts.map { tokenizer.encode($0, addBOS: false) })
    }
}
