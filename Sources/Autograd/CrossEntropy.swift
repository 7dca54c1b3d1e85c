import Foundation
import Tensor

extension Variable {
    /// Mean cross-entropy of `self` (logits [..., V]) against class `targets` (one per row),
    /// skipping rows whose target is `ignoreIndex`, as `torch.nn.functional.cross_entropy`:
    /// the mean is over non-ignored rows only (NaN when every row is ignored, as in PyTorch).
    ///
    /// Fused: the forward keeps `exp(x - max)` per row (the unnormalised softmax), so the
    /// backward `(softmax - onehot) / count` is one multiply pass with no second exponential.
    public func crossEntropy(targets: [Int], ignoreIndex: Int = -100) -> Variable {
        let v = shape.last ?? 0
        let rows = value.count / Swift.max(v, 1)
        precondition(rank >= 1 && targets.count == rows,
                     "crossEntropy: \(targets.count) targets for logits of shape \(shape) (\(rows) rows)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && t < v, "crossEntropy: target \(t) out of range for \(v) classes")
        }
        let (loss, exps, sums) = CrossEntropyKernels.forward(value.contiguous(), targets: targets, ignoreIndex: ignoreIndex)
        let valid = targets.filter { $0 != ignoreIndex }.count
        return Variable.record(Tensor(scalar: loss), op: "crossEntropy", parents: [self]) { g in
            CrossEntropyKernels.backward(exps, sums, targets: targets, ignoreIndex: ignoreIndex, scale: g.item / Float(valid))
        }
    }
}

enum CrossEntropyKernels {
    static func rowsPerThread(_ v: Int) -> Int { Swift.max(1, Kernels.parallelThreshold / Swift.max(v, 1)) }

    /// Mean loss over kept rows, `exp(x - rowMax)` for every element (zero in ignored rows) and
    /// the per-row sums of those exponentials.
    static func forward(_ x: Tensor, targets: [Int], ignoreIndex: Int) -> (Float, Tensor, [Float]) {
        let v = x.shape.last ?? 0, rows = targets.count
        let exps = Tensor(zeros: x.shape)
        var sums = [Float](repeating: 1, count: rows), picked = [Double](repeating: 0, count: rows)
        let px = x.storage.pointer + x.offset, pe = exps.storage.pointer
        withExtendedLifetime(x) {
            sums.withUnsafeMutableBufferPointer { ps in
                picked.withUnsafeMutableBufferPointer { pp in
                    Parallel.forRanges(rows, minimumPerThread: rowsPerThread(v)) { range in
                        for row in range where targets[row] != ignoreIndex {
                            let xr = px + row * v, er = pe + row * v
                            let m = rowMax(xr, v)
                            let s = expRow(xr, minus: m, into: er, v)
                            ps[row] = s
                            pp[row] = Double(m + Foundation.log(s) - xr[targets[row]])
                        }
                    }
                }
            }
        }
        let valid = targets.filter { $0 != ignoreIndex }.count
        return (Float(picked.reduce(0, +) / Double(valid)), exps, sums)
    }

    @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var j = 0
        while j + 8 <= n {
            let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: v, where: v .> lanes)
            j += 8
        }
        var m = lanes.max()
        while j < n {
            m = Swift.max(m, x[j])
            j += 1
        }
        return m
    }

    /// Writes `exp(x[j] - m)` for `j < n` and returns their sum.
    @inline(__always)
    static func expRow(_ x: UnsafePointer<Float>, minus m: Float, into out: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>()
        var j = 0
        while j + 8 <= n {
            let e = FastExp.exp(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) - m)
            UnsafeMutableRawPointer(out + j).storeBytes(of: e, as: SIMD8<Float>.self)
            lanes += e
            j += 8
        }
        var s = lanes.sum()
        while j < n {
            out[j] = FastExp.exp(x[j] - m)
            s += out[j]
            j += 1
        }
        return s
    }

    /// `scale * (softmax - onehot)` in kept rows, zero in ignored ones.
    static func backward(_ exps: Tensor, _ sums: [Float], targets: [Int], ignoreIndex: Int, scale: Float) -> [Tensor?] {
        let v = exps.shape.last ?? 0, rows = targets.count
        let dx = Tensor(zeros: exps.shape)
        let pe = exps.storage.pointer, pd = dx.storage.pointer
        withExtendedLifetime(exps) {
            Parallel.forRanges(rows, minimumPerThread: rowsPerThread(v)) { range in
                for row in range where targets[row] != ignoreIndex {
                    let er = pe + row * v, dr = pd + row * v, k = scale / sums[row]
                    for j in 0..<v { dr[j] = k * er[j] }
                    dr[targets[row]] -= scale
                }
            }
        }
        return [dx]
    }
}
