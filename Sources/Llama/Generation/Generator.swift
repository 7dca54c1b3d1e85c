import Autograd
import Foundation
import Tensor

/// Settings of one `generate` call.
public struct GenerationOptions: Sendable {
    public var maxNewTokens: Int
    public var sampler: Sampler
    public var seed: UInt64
    public var numReturnSequences: Int
    /// Stop a sequence at the end-of-sequence token (which is kept in the output).
    public var stopAtEOS: Bool
    /// More tokens that end a sequence like EOS when `stopAtEOS` is set: a chat model's end of
    /// turn (`<|im_end|>`) where it differs from the model's EOS.
    public var stopTokenIDs: Set<Int>

    public init(maxNewTokens: Int = 200, sampler: Sampler = Sampler(), seed: UInt64 = 0, numReturnSequences: Int = 1, stopAtEOS: Bool = true,
                stopTokenIDs: Set<Int> = []) {
        precondition(maxNewTokens >= 0 && numReturnSequences >= 1, "GenerationOptions: maxNewTokens \(maxNewTokens), numReturnSequences \(numReturnSequences)")
        self.maxNewTokens = maxNewTokens
        self.sampler = sampler
        self.seed = seed
        self.numReturnSequences = numReturnSequences
        self.stopAtEOS = stopAtEOS
        self.stopTokenIDs = stopTokenIDs
    }

    /// Whether `token` ends its sequence for a model whose EOS is `eos`.
    public func stops(at token: Int, eos: Int) -> Bool { stopAtEOS && (token == eos || stopTokenIDs.contains(token)) }
}

/// Timing of a generation, for the tools' tokens/s report.
public struct GenerationStats: Sendable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var promptSeconds = 0.0
    public var generationSeconds = 0.0
    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptTokens) / promptSeconds : 0 }
    public var generationTokensPerSecond: Double { generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0 }
}

extension LlamaModel {
    /// Continues `prompt` token by token with a KV cache. Each of `numReturnSequences` sequences
    /// draws from its own generator seeded `seed + index`. `onToken(sequence, token)` streams tokens
    /// as they are chosen; `logitsProcessor` edits each step's logits before the sampler sees them.
    /// Returns the new tokens of each sequence (the prompt excluded). `prefix`, when given, holds
    /// the keys and values of the prompt's first `prefix.length` tokens under the same `linears`
    /// (a cached instruction); only the rest of the prompt is run, and `prefix` is left as it was.
    /// - Throws: `GenerationError` for an empty prompt, a prompt longer than the context or with an id
    ///   outside the vocabulary, or non-finite logits.
    public func generate(prompt: [Int], options: GenerationOptions, linears: LinearProvider? = nil, prefix: KVCache? = nil,
                         stats: UnsafeMutablePointer<GenerationStats>? = nil, logitsProcessor: LogitsProcessor? = nil,
                         onToken: ((Int, Int) -> Void)? = nil) throws -> [[Int]] {
        try GenerationError.check(prompt: prompt, config: config)
        precondition(prefix.map { $0.length < prompt.count } ?? true, "generate: the cached prefix must leave at least one prompt token to run")
        var results: [[Int]] = []
        var timing = GenerationStats()
        for sequence in 0..<options.numReturnSequences {
            var rng = RandomGenerator(seed: options.seed &+ UInt64(sequence))
            let cache = prefix?.copy() ?? KVCache(layers: config.numLayers)
            var out: [Int] = []
            let start = Date()
            var logits = noGrad { forward([Array(prompt[cache.length...])], cache: cache, linears: linears).value }
            timing.promptTokens += prompt.count - (prefix?.length ?? 0)
            timing.promptSeconds += Date().timeIntervalSince(start)
            let genStart = Date()
            while out.count < options.maxNewTokens && prompt.count + out.count < config.maxPositions {
                let last = logits.reshaped([-1, config.vocabSize]).select(axis: 0, logits.count / config.vocabSize - 1)
                if out.isEmpty { try GenerationError.checkFinite(last.scalars, position: prompt.count - 1) }
                var row = last.scalars
                logitsProcessor?(out, &row)
                let next = options.sampler.sample(row, generator: &rng)
                out.append(next)
                onToken?(sequence, next)
                if options.stops(at: next, eos: config.eosTokenID) { break }
                if out.count == options.maxNewTokens { break }
                logits = noGrad { forward([[next]], cache: cache, linears: linears).value }
            }
            timing.generatedTokens += out.count
            timing.generationSeconds += Date().timeIntervalSince(genStart)
            results.append(out)
        }
        stats?.pointee = timing
        return results
    }
}

extension LlamaModel {
    /// Continues a left-padded batch together, as transformers' `generate` does: positions count
    /// only real tokens (`cumsum(mask) - 1`), padded keys are masked, and every new token extends
    /// the mask. Row `b` samples with a generator seeded `seed + b`; a row that produced EOS keeps
    /// it and stops growing. Returns each row's new tokens.
    public func generate(batch ids: [[Int]], attentionMask: [[Int]], options: GenerationOptions,
                         linears: LinearProvider? = nil) -> [[Int]] {
        precondition(ids.count == attentionMask.count && zip(ids, attentionMask).allSatisfy { $0.count == $1.count },
                     "generate(batch:): ids and attention mask must have the same shape")
        var mask = attentionMask
        var positions = mask.flatMap { row -> [Int] in
            var seen = 0
            return row.map { m in
                seen += m
                return m == 0 ? 1 : seen - 1
            }
        }
        var rngs = ids.indices.map { RandomGenerator(seed: options.seed &+ UInt64($0)) }
        var outputs = [[Int]](repeating: [], count: ids.count)
        var done = [Bool](repeating: false, count: ids.count)
        let cache = KVCache(layers: config.numLayers)
        var input = ids
        var next = positions.enumerated().filter { ($0.offset + 1) % ids[0].count == 0 }.map { $0.element }
        for _ in 0..<options.maxNewTokens {
            let logits = noGrad { forward(input, positions: positions, attentionMask: mask, cache: cache, linears: linears).value }
            let seq = input[0].count
            var step: [Int] = []
            for b in ids.indices {
                let row = logits.select(axis: 0, b).select(axis: 0, seq - 1).scalars
                let token = done[b] ? config.eosTokenID : options.sampler.sample(row, generator: &rngs[b])
                if !done[b] { outputs[b].append(token) }
                if options.stops(at: token, eos: config.eosTokenID) { done[b] = true }
                step.append(token)
            }
            if done.allSatisfy({ $0 }) { break }
            next = next.map { $0 + 1 }
            positions = next
            mask = mask.map { $0 + [1] }
            input = step.map { [$0] }
        }
        return outputs
    }
}
