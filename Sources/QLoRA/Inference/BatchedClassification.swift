import Autograd
import Foundation
import Llama
import Tensor

/// Many statements through the chat detector at once. Statements that run on the same adapters
/// (top1's pick, an adapter alone, the base) share batched forwards of up to `maxBatch` rows: the
/// prompt opening every statement shares is taken from the cache and repeated per row, each
/// statement's own tokens follow right-padded to the longest, and under causal attention a row's
/// real positions never see the padding after them. A gate-weighted mix (linear, cat) differs per
/// statement and runs alone. What each statement gets equals what it gets alone, up to float
/// rounding (a batched matrix product sums in another order).
extension ExplainedClassifier {
    /// Statements that run on the same adapters.
    struct PromptBatch {
        var members: [Int]
        var provider: LinearProvider
        var used: [(String, Double)]
        /// The fixed adapter choice, or nil for a mix (a batch of one).
        var key: String?
    }

    func promptBatches(gates: [[Double]], mode: BlendMode, maxBatch: Int) throws -> [PromptBatch] {
        var batches: [PromptBatch] = []
        for (i, g) in gates.enumerated() {
            let (provider, used) = try mixer.provider(mode: mode, gates: g)
            let key = fixedChoiceKey(mode: mode, used: used)
            if let key, let b = batches.firstIndex(where: { $0.key == key && $0.members.count < maxBatch }) {
                batches[b].members.append(i)
            } else {
                batches.append(PromptBatch(members: [i], provider: provider, used: used, key: key))
            }
        }
        return batches
    }

    /// Runs `rows` (prompt tokens) to their last position: the cache holding every row (the
    /// shared opening, then each row's tokens right-padded to one width), each row's real length
    /// in the cache, and the next-token logits [rows, vocab] after each row's last real token.
    func runPrompts(_ rows: [[Int]], batch: PromptBatch) throws -> (cache: KVCache, lengths: [Int], logits: Tensor) {
        var cache = KVCache(layers: model.config.numLayers)
        if let key = batch.key, cachesPromptPrefix {
            // The opening every row shares, kept to leave each row at least one token to run.
            let n = try rows.map { try sharedOpeningLength($0) }.min()!
            if n > 0 { cache = try openingCache(key: key, provider: batch.provider).copy(length: n).repeated(batch: rows.count) }
        }
        let past = cache.length
        let width = rows.map { $0.count - past }.max()!
        let padded = rows.map { Array($0[past...]) + Array(repeating: 0, count: width - ($0.count - past)) }
        let logits = model.lastLogits(padded, lengths: rows.map { $0.count - past }, cache: cache, linears: batch.provider)
        for (r, row) in rows.enumerated() { try GenerationError.checkFinite(logits.select(axis: 0, r).scalars, position: row.count - 1) }
        return (cache, rows.map(\.count), logits)
    }

    /// Label verdicts without explanations (gates, adapters used, label distribution, no answer
    /// text) for many statements: one forward pass to the "Classification:" position each,
    /// batched as the type's comment says. Routing embeds the uncached statements in one batch too.
    public func labelVerdicts(_ statements: [String], mode: BlendMode, gates override: [[Double]]? = nil, maxBatch: Int = 16) throws -> [Verdict] {
        guard promptStyle == .chat else { throw InferenceError(message: "label probabilities need the chat prompt style, this classifier uses \(promptStyle.rawValue)") }
        precondition(maxBatch >= 1 && (override == nil || override!.count == statements.count), "labelVerdicts: maxBatch >= 1 and one gate vector per statement")
        let start = Date()
        let prompts = try statements.map { try ChatPrompt(statement: $0, tokenizer: tokenizer, contextLength: model.config.maxPositions, reservedTokens: 1) }
        let gates = try override ?? self.gates(batch: statements)
        let tokens = try chatTokens()
        var verdicts = [Verdict?](repeating: nil, count: statements.count)
        for batch in try promptBatches(gates: gates, mode: mode, maxBatch: maxBatch) {
            let (_, _, logits) = try runPrompts(batch.members.map { prompts[$0].tokens }, batch: batch)
            let correction = priorCorrection(used: batch.used)
            for (r, i) in batch.members.enumerated() {
                let d = LabelDistribution(logits: logits.select(axis: 0, r).scalars, firstTokens: tokens.labelFirstTokens, logPriorCorrection: correction)
                verdicts[i] = verdict(statements[i], prompts[i], gates[i], batch, d, answers: [])
            }
        }
        return finished(verdicts, since: start)
    }

    /// One statement's verdict from its batch.
    func verdict(_ statement: String, _ prompt: ChatPrompt, _ gates: [Double], _ batch: PromptBatch, _ d: LabelDistribution,
                 answers: [ExplainedAnswer]) -> Verdict {
        var v = Verdict(statement: statement, gates: zip(mixer.sources.map(\.name), gates).map { ($0, $1) },
                        adaptersUsed: batch.used, answers: answers, seconds: 0, labelProbabilities: d.probabilities)
        v.warnings = prompt.warning.map { [$0] } ?? []
        return v
    }

    /// Every statement's verdict, timed as the whole call (each waited for all of it).
    func finished(_ verdicts: [Verdict?], since start: Date) -> [Verdict] {
        let seconds = Date().timeIntervalSince(start)
        return verdicts.map { v in
            var v = v!
            v.seconds = seconds
            return v
        }
    }

    /// Explained verdicts for many statements, each as `classify` gives it: the rows of a batch
    /// decode together, one forward of one token per row per step, each row under its own answer
    /// grammar, until every row has ended its answer. Greedy decoding only (a sampled answer
    /// would depend on the draws of the rows beside it); anything else, the paper's prompt
    /// styles included, runs one statement at a time.
    public func classify(batch statements: [String], mode: BlendMode, options: GenerationOptions, grounded: Bool = true,
                         maxBatch: Int = 16) throws -> [Verdict] {
        guard promptStyle == .chat, options.sampler.greedy, options.numReturnSequences == 1, options.maxNewTokens > 0 else {
            return try statements.map { try classify($0, mode: mode, options: options, grounded: grounded) }
        }
        precondition(maxBatch >= 1, "classify(batch:): maxBatch >= 1")
        for s in statements where s.allSatisfy(\.isWhitespace) { throw StatementError.empty }
        let start = Date()
        let prompts = try statements.map {
            try ChatPrompt(statement: $0, tokenizer: tokenizer, contextLength: model.config.maxPositions, reservedTokens: options.maxNewTokens)
        }
        let gates = try self.gates(batch: statements)
        let tokens = try chatTokens()
        var stopping = options
        stopping.stopTokenIDs.insert(tokens.endOfTurn)
        var verdicts = [Verdict?](repeating: nil, count: statements.count)
        for batch in try promptBatches(gates: gates, mode: mode, maxBatch: maxBatch) {
            let rows = batch.members.map { prompts[$0].tokens }
            let grammars = batch.members.map {
                ChatAnswerGrammar(tokenizer: tokenizer, tokens: tokens, statement: prompts[$0].statement, groups: groupTries(tokens),
                                  grounded: grounded, logPriorCorrection: priorCorrection(used: batch.used))
            }
            let (cache, lengths, first) = try runPrompts(rows, batch: batch)
            let width = cache.length
            var outputs = [[Int]](repeating: [], count: rows.count)
            var done = [Bool](repeating: false, count: rows.count)
            // Keys each row attends to: its opening and own tokens, not its padding, then every token it generated.
            var mask = lengths.map { n in Array(repeating: 1, count: n) + Array(repeating: 0, count: width - n) }
            var logits = first
            while true {
                var step: [Int] = []
                for r in rows.indices {
                    guard !done[r] else {
                        step.append(tokens.endOfTurn)
                        continue
                    }
                    var row = logits.select(axis: 0, r).scalars
                    grammars[r].process(outputs[r], &row)
                    let next = row.withUnsafeBufferPointer { Sampler.argmax($0) }
                    outputs[r].append(next)
                    step.append(next)
                    if stopping.stops(at: next, eos: model.config.eosTokenID) || outputs[r].count == options.maxNewTokens
                        || lengths[r] + outputs[r].count >= model.config.maxPositions { done[r] = true }
                }
                if done.allSatisfy({ $0 }) { break }
                // A finished row keeps stepping on its end of turn, seen by no other row.
                let positions = rows.indices.map { lengths[$0] + outputs[$0].count - 1 }
                mask = mask.map { $0 + [1] }
                logits = noGrad {
                    model.forward(step.map { [$0] }, positions: positions, attentionMask: mask, cache: cache, linears: batch.provider).value
                }.reshaped([rows.count, model.config.vocabSize])
            }
            for (r, i) in batch.members.enumerated() {
                let d = grammars[r].distribution!
                let answer = ExplainedAnswer(chatAnswer: PromptFormat.chatLabelPrefix + tokenizer.decode(outputs[r]), label: d.label)
                verdicts[i] = verdict(statements[i], prompts[i], gates[i], batch, d, answers: [answer])
            }
        }
        return finished(verdicts, since: start)
    }
}
