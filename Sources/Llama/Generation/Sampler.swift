import Foundation
import Tensor

/// How the next token is chosen from logits, in transformers' order: temperature, then top-k,
/// then top-p (nucleus) filtering, then a draw; `greedy` takes the argmax instead.
public struct SamplingOptions: Sendable, Equatable {
    /// Take the argmax and ignore the other settings.
    public var greedy: Bool
    /// Divides the logits before softmax; must be positive unless greedy.
    public var temperature: Float
    /// 0 disables top-k.
    public var topK: Int
    /// 1 disables top-p.
    public var topP: Float
    /// Seed of the generator the draws come from.
    public var seed: UInt64

    public init(greedy: Bool = false, temperature: Float = 1, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
        self.greedy = greedy
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    /// Argmax decoding.
    public static let greedy = SamplingOptions(greedy: true)
}

/// Draws tokens from logit rows with a seeded generator.
public struct Sampler {
    /// The settings every draw uses.
    public let options: SamplingOptions
    var rng: RandomGenerator

    public init(_ options: SamplingOptions) {
        precondition(options.greedy || options.temperature > 0, "Sampler: temperature \(options.temperature) must be positive (use greedy for 0)")
        precondition(options.topK >= 0, "Sampler: top-k \(options.topK) must be >= 0")
        precondition(options.topP > 0 && options.topP <= 1, "Sampler: top-p \(options.topP) must be in (0, 1]")
        self.options = options
        rng = RandomGenerator(seed: options.seed)
    }

    /// The next token for one row of logits.
    public mutating func next(_ logits: UnsafeBufferPointer<Float>) -> Int {
        if options.greedy || options.temperature == 0 { return Self.argmax(logits) }
        let probabilities = Self.filteredProbabilities(logits, options: options)
        var u = Double(rng.nextDouble()), last = 0
        for (id, p) in probabilities {
            last = id
            u -= Double(p)
            if u < 0 { return id }
        }
        return last
    }

    /// The first index of the largest value (ties go to the lower id, as torch.argmax does).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }

    /// The surviving (id, probability) pairs after temperature, top-k and top-p, renormalised,
    /// most probable first.
    public static func filteredProbabilities(_ logits: UnsafeBufferPointer<Float>, options: SamplingOptions) -> [(Int, Float)] {
        var scored = logits.enumerated().map { ($0.offset, $0.element / options.temperature) }
        scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        if options.topK > 0 && options.topK < scored.count { scored.removeLast(scored.count - options.topK) }
        let maxLogit = scored[0].1
        var exps = scored.map { Foundation.exp(Double($0.1 - maxLogit)) }
        var total = exps.reduce(0, +)
        if options.topP < 1 {
            // Keep the smallest prefix whose mass reaches top-p: transformers drops tokens whose
            // ascending cumulative probability is <= 1 - top_p, always keeping the top one.
            var cumulative = 0.0, keep = 0
            for e in exps {
                keep += 1
                cumulative += e / total
                if cumulative >= Double(options.topP) { break }
            }
            scored.removeLast(scored.count - keep)
            exps.removeLast(exps.count - keep)
            total = exps.reduce(0, +)
        }
        return zip(scored, exps).map { ($0.0.0, Float($0.1 / total)) }
    }
}
