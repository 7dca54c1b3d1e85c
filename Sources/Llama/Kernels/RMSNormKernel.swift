/// RMSNorm of `rows` rows of `dim` floats, as Hugging Face computes it in fp32:
/// `weight * x / sqrt(mean(x^2) + eps)`. `out` may alias `x`.
@inline(__always)
func rmsNormRows(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 rows: Int, dim: Int, eps: Float) {
    for r in 0..<rows {
        let xr = x + r * dim, orow = out + r * dim
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= dim {
            let v = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v * v
            i += 8
        }
        var ss = acc.sum()
        while i < dim { ss += xr[i] * xr[i]; i += 1 }
        let scale = 1 / (ss / Float(dim) + eps).squareRoot()
        for j in 0..<dim { orow[j] = weight[j] * (xr[j] * scale) }
    }
}
