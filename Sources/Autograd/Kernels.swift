import Tensor

/// Elementwise helpers for backward rules that Tensor's fixed kernels do not cover
/// (derivatives such as `g * s * (1 + x * (1 - s))`), written as one pass over dense memory.
/// Dense copies are kept alive with `withExtendedLifetime` while raw pointers into them are in use.
enum Kernels {
    /// Below this many elements a loop stays on one thread.
    static let parallelThreshold = 1 << 15

    /// `f(a[i], b[i])` for same-shape tensors.
    static func map(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "\(op): shapes \(a.shape) and \(b.shape) differ")
        let ca = a.contiguous(), cb = b.contiguous()
        let out = Tensor(zeros: a.shape)
        let pa = ca.storage.pointer + ca.offset, pb = cb.storage.pointer + cb.offset, po = out.storage.pointer
        withExtendedLifetime((ca, cb)) {
            Parallel.forRanges(out.count, minimumPerThread: parallelThreshold) { r in
                for i in r { po[i] = f(pa[i], pb[i]) }
            }
        }
        return out
    }

    /// `f(a[i], b[i], c[i])` for same-shape tensors.
    static func map(_ a: Tensor, _ b: Tensor, _ c: Tensor, op: String, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape && a.shape == c.shape, "\(op): shapes \(a.shape), \(b.shape) and \(c.shape) differ")
        let ca = a.contiguous(), cb = b.contiguous(), cc = c.contiguous()
        let out = Tensor(zeros: a.shape)
        let pa = ca.storage.pointer + ca.offset, pb = cb.storage.pointer + cb.offset
        let pc = cc.storage.pointer + cc.offset, po = out.storage.pointer
        withExtendedLifetime((ca, cb, cc)) {
            Parallel.forRanges(out.count, minimumPerThread: parallelThreshold) { r in
                for i in r { po[i] = f(pa[i], pb[i], pc[i]) }
            }
        }
        return out
    }

    /// Sums a broadcast gradient back to the shape of the input that was broadcast: over the
    /// leading axes the input lacked and over its size-1 axes.
    static func sumToShape(_ g: Tensor, _ target: [Int]) -> Tensor {
        if g.shape == target { return g }
        precondition(g.rank >= target.count, "sumToShape: gradient \(g.shape) cannot reduce to \(target)")
        let lead = g.rank - target.count
        if Array(g.shape[lead...]) == target {
            // Broadcast over leading axes only (a bias, a norm weight): one pass over [outer, inner].
            return g.reshaped([-1, Swift.max(Shape.count(target), 1)]).sum(axis: 0).reshaped(target)
        }
        var r = g
        for _ in 0..<lead { r = r.sum(axis: 0) }
        for (i, d) in target.enumerated() where d == 1 && r.shape[i] != 1 {
            r = r.sum(axis: i, keepDims: true)
        }
        return r
    }
}
