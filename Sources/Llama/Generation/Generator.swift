import Foundation
import Tensor

/// Options for `LlamaInference.generate`.
public struct GenerationOptions: Sendable {
    /// Tokens to generate per sequence at most.
    public var maxNewTokens: Int
    /// How each token is chosen.
    public var sampling: SamplingOptions
    /// Independent continuations of the prompt, decoded as one batch.
    public var numReturnSequences: Int
    /// Generation of a sequence stops after it emits this id (nil: never).
    public var eosTokenID: Int?

    public init(maxNewTokens: Int = 64, sampling: SamplingOptions = .greedy, numReturnSequences: Int = 1, eosTokenID: Int? = 2) {
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.numReturnSequences = numReturnSequences
        self.eosTokenID = eosTokenID
    }
}

extension LlamaInference {
    /// Continues `prompt` with the KV cache, `numReturnSequences` sequences decoded as one batch.
    /// `onToken(sequence, id)` is called for each new token as soon as it is chosen. Returns the
    /// new ids per sequence (EOS included when it stopped there).
    public func generate(prompt: [Int], options: GenerationOptions, onToken: (Int, Int) -> Void = { _, _ in }) -> [[Int]] {
        precondition(!prompt.isEmpty, "generate: the prompt is empty (start with BOS)")
        precondition(options.numReturnSequences >= 1, "generate: numReturnSequences must be >= 1")
        let n = options.numReturnSequences
        let steps = min(options.maxNewTokens, config.maxPositions - prompt.count)
        guard steps > 0 else { return Array(repeating: [], count: n) }
        let cache = makeCache(batch: n, capacity: prompt.count + steps)
        var sampler = Sampler(options.sampling)
        var outputs = Array(repeating: [Int](), count: n)
        var done = Array(repeating: false, count: n)
        var logits = step(Array(repeating: prompt, count: n), attentionMask: nil, cache: cache)
        for s in 0..<steps {
            let t = logits.shape[1]
            var next = [Int](repeating: 0, count: n)
            for r in 0..<n {
                let row = logits.select(axis: 0, r).select(axis: 0, t - 1)
                next[r] = done[r] ? (options.eosTokenID ?? 0) : row.withUnsafeBufferPointer { sampler.next($0) }
                if !done[r] {
                    outputs[r].append(next[r])
                    onToken(r, next[r])
                    if next[r] == options.eosTokenID { done[r] = true }
                }
            }
            if done.allSatisfy({ $0 }) || s == steps - 1 { break }
            logits = step(next.map { [$0] }, attentionMask: nil, cache: cache)
        }
        return outputs
    }
}
