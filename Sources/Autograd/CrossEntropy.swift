import Foundation
import Tensor

extension Variable {
    /// Mean cross-entropy of `self` (logits [..., V]) against class `targets` (one per row),
    /// skipping rows whose target is `ignoreIndex`, as `torch.nn.functional.cross_entropy`:
    /// the mean is over non-ignored rows only (NaN when every row is ignored, as in PyTorch).
    ///
    /// Fused: the forward keeps one log-sum-exp per row instead of the [rows, V] probabilities,
    /// and the backward recomputes `softmax - onehot` from the logits.
    public func crossEntropy(targets: [Int], ignoreIndex: Int = -100) -> Variable {
        let v = shape.last ?? 0
        let rows = value.count / Swift.max(v, 1)
        precondition(
            rank >= 1 && targets.count == rows,
            "crossEntropy: \(targets.count) targets for logits of shape \(shape) (\(rows) rows)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && t < v, "crossEntropy: target \(t) out of range for \(v) classes")
        }
        let x = value.contiguous()
        let px = x.storage.pointer + x.offset
        var lse = [Float](repeating: 0, count: rows)
        withExtendedLifetime(x) {
            lse.withUnsafeMutableBufferPointer { pl in
                Parallel.forRanges(
                    rows, minimumPerThread: Swift.max(1, Kernels.parallelThreshold / Swift.max(v, 1))
                ) { range in
                    for row in range where targets[row] != ignoreIndex {
                        let xr = px + row * v
                        var m = -Float.infinity
                        for j in 0..<v { m = Swift.max(m, xr[j]) }
                        var s: Float = 0
                        for j in 0..<v { s += Foundation.exp(xr[j] - m) }
                        pl[row] = m + Foundation.log(s)
                    }
                }
            }
        }
        var total = 0.0
        var valid = 0
        for row in 0..<rows where targets[row] != ignoreIndex {
            total += Double(lse[row] - px[row * v + targets[row]])
            valid += 1
        }
        let loss = Tensor(scalar: Float(total / Double(valid)))
        let logitsShape = shape
        return Variable.record(loss, op: "crossEntropy", parents: [self]) { [x] g in
            let px = x.storage.pointer + x.offset
            let scale = g.item / Float(valid)
            let dx = Tensor(zeros: logitsShape)
            let pd = dx.storage.pointer
            Parallel.forRanges(
                rows, minimumPerThread: Swift.max(1, Kernels.parallelThreshold / Swift.max(v, 1))
            ) { range in
                for row in range where targets[row] != ignoreIndex {
                    let xr = px + row * v
                    let dr = pd + row * v
                    let l = lse[row]
                    for j in 0..<v { dr[j] = scale * Foundation.exp(xr[j] - l) }
                    dr[targets[row]] -= scale
                }
            }
            return [dx]
        }
    }
}
