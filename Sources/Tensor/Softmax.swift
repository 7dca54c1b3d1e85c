import Foundation

/// Numerically stable softmax and log-softmax (max subtracted first) over one axis.
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor { softmaxLike(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxLike(axis: axis, log: true) }

    private func softmaxLike(axis: Int, log: Bool) -> Tensor {
        let (dense, outer, n, inner, _) = splitAround(axis, op: log ? "logSoftmax" : "softmax")
        let out = Tensor(uninitialized: shape)
        let src = dense.storage.pointer + dense.offset, dst = out.storage.pointer
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
}
