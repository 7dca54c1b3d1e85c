import Foundation
import Tensor

/// AdamW with 32-bit state, the update written exactly as bitsandbytes' `optimizer_update_32bit`
/// (optimizer id ADAM with decoupled weight decay):
///
///     m = m * b1 + (1 - b1) * g
///     v = v * b2 + (1 - b2) * g * g
///     p = p * (1 - lr * wd)
///     p = p + (-lr * sqrt(1 - b2^t) / (1 - b1^t)) * m / (sqrt(v) + eps * sqrt(1 - b2^t))
///
/// which is `torch.optim.AdamW` rearranged. Scalars are computed in Double and rounded to Float once,
/// as PyTorch does with Python numbers. State lives in a `OptimizerStateStore`: in memory, or paged
/// to a file under a memory budget (`PagedStateStore`), with bit-identical results either way.
public final class AdamW {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// Number of updates taken so far (`t` above, after the update).
    public private(set) var step: Int = 0
    public let state: OptimizerStateStore

    public init(learningRate: Double = 2e-4, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, state: OptimizerStateStore = InMemoryStateStore()) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.state = state
    }

    /// One update of every named parameter (in place) from its gradient.
    public func update(_ parameters: [(name: String, value: Tensor, gradient: Tensor)]) {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Double(step))
        let correction2 = (1 - Foundation.pow(beta2, Double(step))).squareRoot()
        let stepSize = Float(-learningRate * correction2 / correction1)
        let epsScaled = Float(epsilon * correction2)
        let decay = Float(1 - learningRate * weightDecay)
        let b1 = Float(beta1), oneMinusB1 = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        let applyDecay = weightDecay > 0
        for (name, value, gradient) in parameters {
            precondition(value.shape == gradient.shape, "AdamW: parameter \(name) has shape \(value.shape), gradient \(gradient.shape)")
            let grad = gradient.contiguous()
            state.withMoments(name: name, count: value.count) { m, v in
                value.withUnsafeMutableBufferPointer { p in
                    grad.withUnsafeBufferPointer { g in
                        Parallel.forRanges(p.count, minimumPerThread: 1 << 15) { r in
                            for i in r {
                                let gi = g[i]
                                let mi = m[i] * b1 + oneMinusB1 * gi
                                let vi = v[i] * b2 + oneMinusB2 * gi * gi
                                m[i] = mi
                                v[i] = vi
                                var pi = p[i]
                                if applyDecay { pi = pi * decay }
                                p[i] = pi + stepSize * (mi / (vi.squareRoot() + epsScaled))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Restores the step counter when resuming from a checkpoint (the moments come with the store).
    public func restore(step: Int) { self.step = step }
}
