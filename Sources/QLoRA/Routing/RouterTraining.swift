import Autograd
import Llama
import Tensor

/// Fits a `Router` to statements labelled with their source adapter: full-batch cross-entropy on
/// the gate logits, minimised with AdamW.
public enum RouterTraining {
    public struct Options: Sendable {
        public var epochs = 200
        public var learningRate = 1e-2
        public var weightDecay = 0.0
        public init(epochs: Int = 200, learningRate: Double = 1e-2, weightDecay: Double = 0) {
            self.epochs = epochs
            self.learningRate = learningRate
            self.weightDecay = weightDecay
        }
    }

    /// Trains `router` in place on `embeddings` [n, d] with `labels` (adapter indices); returns
    /// the loss before each epoch's update.
    @discardableResult
    public static func train(_ router: inout Router, embeddings: Tensor, labels: [Int], options: Options = Options()) -> [Float] {
        precondition(embeddings.shape[0] == labels.count, "RouterTraining: \(embeddings.shape[0]) embeddings, \(labels.count) labels")
        let params = [router.w1, router.b1, router.w2, router.b2].map { Variable($0.copy(), requiresGrad: true) }
        let optimizer = AdamW(learningRate: options.learningRate, epsilon: 1e-8, weightDecay: options.weightDecay)
        let x = Variable(embeddings)
        var losses: [Float] = []
        for _ in 0..<options.epochs {
            params.forEach { $0.zeroGrad() }
            let loss = Router.logits(x, params[0], params[1], params[2], params[3]).crossEntropy(targets: labels)
            losses.append(loss.value.item)
            loss.backward()
            optimizer.update(params.enumerated().map { i, p in ("p\(i)", p.value, p.grad!) })
        }
        router.w1 = params[0].value
        router.b1 = params[1].value
        router.w2 = params[2].value
        router.b2 = params[3].value
        return losses
    }
}
