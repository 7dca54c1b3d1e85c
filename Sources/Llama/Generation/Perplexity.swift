import Foundation
import Tensor

extension LlamaInference {
    /// The summed negative log-likelihood (nats) of `ids[1...]` given the tokens before each, and
    /// how many tokens were scored. Sequences longer than the context are scored in independent
    /// windows of `maxPositions` tokens (each window's first token is context only).
    public func negativeLogLikelihood(ids: [Int]) -> (total: Double, count: Int) {
        var total = 0.0, count = 0
        var start = 0
        while start + 1 < ids.count {
            let window = Array(ids[start..<min(ids.count, start + config.maxPositions)])
            let logProbs = logits(ids: window).logSoftmax(axis: -1)
            for t in 0..<(window.count - 1) {
                total -= Double(logProbs[t, window[t + 1]])
                count += 1
            }
            start += window.count - 1
            if window.count < config.maxPositions { break }
        }
        return (total, count)
    }
}
