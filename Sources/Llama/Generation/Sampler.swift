import Foundation
import Tensor

/// How the next token is chosen from a row of logits, in the order transformers applies its
/// logits processors: temperature, then top-k, then top-p (nucleus), then a draw from the softmax.
public struct Sampler: Sendable, Equatable {
    /// Greedy decoding (argmax) ignores the other settings.
    public var greedy: Bool
    public var temperature: Float
    /// 0 disables top-k.
    public var topK: Int
    /// 1 disables top-p.
    public var topP: Float

    public init(greedy: Bool = false, temperature: Float = 1, topK: Int = 50, topP: Float = 1) {
        precondition(temperature > 0 || greedy, "Sampler: temperature \(temperature) must be positive (or use greedy)")
        precondition(topP > 0 && topP <= 1, "Sampler: top-p \(topP) must be in (0, 1]")
        precondition(topK >= 0, "Sampler: top-k \(topK) must not be negative")
        self.greedy = greedy
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public static let greedyDecoding = Sampler(greedy: true)

    /// The index of the largest logit (the first on ties, as `torch.argmax`).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }

    /// The processed logits (filtered entries set to -inf), before the softmax.
    public func warp(_ logits: [Float]) -> [Float] {
        var scores = logits.map { $0 / temperature }
        let k = min(topK, scores.count)
        if k > 0 && k < scores.count {
            let threshold = scores.sorted(by: >)[k - 1]
            for i in scores.indices where scores[i] < threshold { scores[i] = -.infinity }
        }
        if topP < 1 {
            let order = scores.indices.sorted { scores[$0] < scores[$1] }
            let m = scores.max() ?? 0
            let exps = order.map { Foundation.exp(Double(scores[$0] - m)) }
            let total = exps.reduce(0, +)
            var cumulative = 0.0
            for (rank, i) in order.enumerated() where rank < order.count - 1 {
                cumulative += exps[rank] / total
                if cumulative <= Double(1 - topP) { scores[i] = -.infinity }
            }
        }
        return scores
    }

    /// The next token for one row of logits.
    public func sample(_ logits: [Float], generator: inout RandomGenerator) -> Int {
        if greedy { return logits.withUnsafeBufferPointer { Self.argmax($0) } }
        let scores = warp(logits)
        let m = scores.max() ?? 0
        let probs = scores.map { Foundation.exp(Double($0 - m)) }
        let total = probs.reduce(0, +)
        var u = generator.nextDouble() * total
        for (i, p) in probs.enumerated() where p > 0 {
            u -= p
            if u < 0 { return i }
        }
        return probs.lastIndex { $0 > 0 } ?? 0
    }
}
