import Foundation
import Tensor

extension LlamaInference {
    /// Continues `prompt` with the preallocated KV cache, the `numReturnSequences` sequences
    /// decoded together as one batch; sequence i draws from a generator seeded `seed + i`, as
    /// `LlamaModel.generate` does. `onToken(sequence, id)` streams each token as it is chosen.
    /// Returns the new ids per sequence (EOS kept when it stopped there).
    /// - Throws: `GenerationError` for an empty prompt, a prompt longer than the context or with an id
    ///   outside the vocabulary, or non-finite logits.
    public func generate(prompt: [Int], options: GenerationOptions, onToken: (Int, Int) -> Void = { _, _ in }) throws -> [[Int]] {
        try GenerationError.check(prompt: prompt, config: config)
        let n = options.numReturnSequences
        let steps = min(options.maxNewTokens, config.maxPositions - prompt.count)
        guard steps > 0 else { return Array(repeating: [], count: n) }
        let cache = makeCache(batch: n, capacity: prompt.count + steps)
        var generators = (0..<n).map { RandomGenerator(seed: options.seed &+ UInt64($0)) }
        var outputs = Array(repeating: [Int](), count: n)
        var done = Array(repeating: false, count: n)
        var logits = step(Array(repeating: prompt, count: n), attentionMask: nil, cache: cache)
        try GenerationError.checkFinite(logits.select(axis: 0, 0).select(axis: 0, prompt.count - 1).scalars, position: prompt.count - 1)
        for s in 0..<steps {
            let t = logits.shape[1]
            var next = [Int](repeating: config.eosTokenID, count: n)
            for r in 0..<n where !done[r] {
                let row = logits.select(axis: 0, r).select(axis: 0, t - 1)
                next[r] = options.sampler.sample(row.scalars, generator: &generators[r])
                outputs[r].append(next[r])
                onToken(r, next[r])
                if options.stops(at: next[r], eos: config.eosTokenID) { done[r] = true }
            }
            if done.allSatisfy({ $0 }) || s == steps - 1 { break }
            logits = step(next.map { [$0] }, attentionMask: nil, cache: cache)
        }
        return outputs
    }
}
