import Foundation

/// Numerically stable softmax and log-softmax (max subtracted first) over one axis.
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor { softmaxLike(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxLike(axis: axis, log: true) }

    private func softmaxLike(axis: Int, log: Bool) -> Tensor {
        let (dense, outer, n, inner, _) = splitAround(axis, op: log ? "logSoftmax" : "softmax")
        defer { withExtendedLifetime(dense) {} }
        let out = Tensor(uninitialized: shape)
        let src = dense.storage.pointer + dense.offset, dst = out.storage.pointer
        if inner == 1 {
            Parallel.forRanges(outer, minimumPerThread: Swift.max(1, parallelThreshold / Swift.max(n, 1))) { r in
                for line in r { Self.softmaxLine(src + line * n, dst + line * n, n, log: log) }
            }
            return out
        }
        Parallel.forRanges(outer * inner, minimumPerThread: Swift.max(1, parallelThreshold / Swift.max(n, 1))) { r in
            for line in r {
                let o = line / inner, j = line % inner
                let base = o * n * inner + j
                var m = -Float.infinity
                for i in 0..<n { m = Swift.max(m, src[base + i * inner]) }
                if m == -.infinity { m = 0 }
                var total: Float = 0
                for i in 0..<n {
                    let e = Foundation.exp(src[base + i * inner] - m)
                    dst[base + i * inner] = e
                    total += e
                }
                if log {
                    let lse = m + Foundation.log(total)
                    for i in 0..<n { dst[base + i * inner] = src[base + i * inner] - lse }
                } else {
                    let inv = 1 / total
                    for i in 0..<n { dst[base + i * inner] *= inv }
                }
            }
        }
        return out
    }

    /// Softmax of one contiguous line, SIMD8 throughout (the last-axis case: attention rows, logits).
    @inline(__always)
    private static func softmaxLine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
        var vmax = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            vmax = pointwiseMax(vmax, SIMDMath.load(x + i))
            i += 8
        }
        var m = vmax.max()
        while i < n {
            m = Swift.max(m, x[i])
            i += 1
        }
        if m == -.infinity { m = 0 }
        let vm = SIMD8<Float>(repeating: m)
        var vsum = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = SIMDMath.exp(SIMDMath.load(x + i) - vm)
            if !log { SIMDMath.store(e, y + i) }
            vsum += e
            i += 8
        }
        var total = vsum.sum()
        while i < n {
            let e = Foundation.exp(x[i] - m)
            if !log { y[i] = e }
            total += e
            i += 1
        }
        if log {
            let lse = m + Foundation.log(total)
            let vl = SIMD8<Float>(repeating: lse)
            i = 0
            while i + 8 <= n {
                SIMDMath.store(SIMDMath.load(x + i) - vl, y + i)
                i += 8
            }
            while i < n {
                y[i] = x[i] - lse
                i += 1
            }
        } else {
            let inv = SIMD8<Float>(repeating: 1 / total)
            i = 0
            while i + 8 <= n {
                SIMDMath.store(SIMDMath.load(y + i) * inv, y + i)
                i += 8
            }
            while i < n {
                y[i] *= inv[0]
                i += 1
            }
        }
    }
}
