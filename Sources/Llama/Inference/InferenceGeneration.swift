import Foundation
import Tensor

extension LlamaInference {
    /// Continues `prompt` with the preallocated KV cache, the `numReturnSequences` sequences
    /// decoded together as one batch; sequence i draws from a generator seeded `seed + i`, as
    /// `LlamaModel.generate` does. `onToken(sequence, id)` streams each token as it is chosen.
    /// Returns the new ids per sequence (EOS kept when it stopped there).
    public func generate(prompt: [Int], options: GenerationOptions, onToken: (Int, Int) -> Void = { _, _ in }) -> [[Int]] {
        precondition(!prompt.isEmpty, "generate: the prompt is empty (start with BOS)")
        precondition(prompt.count <= config.maxPositions, "generate: prompt of \(prompt.count) tokens exceeds the model's \(config.maxPositions) positions")
        let n = options.numReturnSequences
        let steps = min(options.maxNewTokens, config.maxPositions - prompt.count)
        guard steps > 0 else { return Array(repeating: [], count: n) }
        let cache = makeCache(batch: n, capacity: prompt.count + steps)
        var generators = (0..<n).map { RandomGenerator(seed: options.seed &+ UInt64($0)) }
        var outputs = Array(repeating: [Int](), count: n)
        var done = Array(repeating: false, count: n)
        var logits = step(Array(repeating: prompt, count: n), attentionMask: nil, cache: cache)
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
