import Autograd
import Foundation
import Tensor

/// Full-parameter language-model training of a `TrainableLlama` on token sequences: random
/// batches (seeded), causal cross-entropy over every real token, AdamW with warm-up and cosine
/// decay, global-norm clipping.
public enum Pretraining {
    public struct Options: Sendable {
        public var steps = 300
        public var batchSize = 16
        public var learningRate = 3e-3
        public var warmupSteps = 20
        public var weightDecay = 0.0
        public var maxGradNorm: Float = 1
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Trains `model` in place on `sequences` (token ids with BOS, each at most
    /// `config.maxPositions` long); `report(step, loss)` is called after every step. Returns the losses.
    @discardableResult
    public static func train(_ model: TrainableLlama, sequences: [[Int]], options: Options,
                             report: (Int, Float) -> Void = { _, _ in }) -> [Float] {
        precondition(!sequences.isEmpty && sequences.allSatisfy { $0.count >= 2 && $0.count <= model.config.maxPositions },
                     "Pretraining.train: every sequence needs 2...\(model.config.maxPositions) tokens")
        let optimizer = AdamW(learningRate: options.learningRate, beta2: 0.95, weightDecay: options.weightDecay)
        let schedule = LearningRateSchedule(kind: .cosine, baseLearningRate: options.learningRate,
                                            warmupSteps: options.warmupSteps, totalSteps: options.steps)
        let params = model.parameters
        var rng = RandomGenerator(seed: options.seed)
        var losses: [Float] = []
        for step in 0..<options.steps {
            let picks = (0..<options.batchSize).map { _ in sequences[Int(rng.next() % UInt64(sequences.count))] }
            let batch = collate(picks, padID: model.config.eosTokenID)
            let loss = CausalLMLoss.loss(logits: model.forward(batch.ids, attentionMask: batch.mask), labels: batch.labels)
            loss.backward()
            let grads = params.map { $0.variable.grad ?? Tensor(zeros: $0.variable.shape) }
            GradientClipping.clip(grads, maxNorm: options.maxGradNorm)
            optimizer.learningRate = schedule.learningRate(at: step)
            optimizer.update(zip(params, grads).map { ($0.name, $0.variable.value, $1) })
            params.forEach { $0.variable.zeroGrad() }
            losses.append(loss.value.item)
            report(step + 1, loss.value.item)
        }
        return losses
    }

    /// Right-pads with `padID`; padding is masked from attention and ignored by the loss.
    static func collate(_ sequences: [[Int]], padID: Int) -> (ids: [[Int]], mask: [[Int]], labels: [[Int]]) {
        let length = sequences.map(\.count).max()!
        let ids = sequences.map { $0 + Array(repeating: padID, count: length - $0.count) }
        let mask = sequences.map { Array(repeating: 1, count: $0.count) + Array(repeating: 0, count: length - $0.count) }
        let labels = sequences.map { $0 + Array(repeating: CausalLMLoss.ignoreIndex, count: length - $0.count) }
        return (ids, mask, labels)
    }
}
