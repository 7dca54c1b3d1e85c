import Foundation
import Tensor

/// Rotary position embedding in Hugging Face Llama's rotate-half layout: the head dimension is
/// split into halves (x1, x2) and `y = x * cos + rotate_half(x) * sin` with
/// `rotate_half(x) = [-x2, x1]`.
public enum RoPE {
    /// `cos` and `sin` tables of shape [maxPositions, headDim] as `LlamaRotaryEmbedding` builds
    /// them: `inv_freq[i] = 1 / theta^(2i / headDim)`, angles `position * inv_freq`, each half
    /// repeated (`cat(freqs, freqs)`), computed in Float32 like PyTorch.
    public static func tables(headDim: Int, maxPositions: Int, theta: Float = 10000) -> (
        cos: Tensor, sin: Tensor
    ) {
        precondition(
            headDim > 0 && headDim % 2 == 0, "RoPE.tables: head dimension \(headDim) must be even")
        let half = headDim / 2
        let invFreq = (0..<half).map { 1 / Foundation.pow(theta, Float(2 * $0) / Float(headDim)) }
        let cos = Tensor(zeros: [maxPositions, headDim])
        let sin = Tensor(zeros: [maxPositions, headDim])
        let pc = cos.storage.pointer
        let ps = sin.storage.pointer
        for p in 0..<maxPositions {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                pc[p * headDim + i] = Foundation.cos(angle)
                pc[p * headDim + half + i] = Foundation.cos(angle)
                ps[p * headDim + i] = Foundation.sin(angle)
                ps[p * headDim + half + i] = Foundation.sin(angle)
            }
        }
        return (cos, sin)
    }

    /// Applies the rotation (or, with `transpose`, its transpose, which is the backward) to a
    /// strided [B, H, T, D] tensor, writing a dense [B, H, T, D] result.
    static func rotate(_ x: Tensor, cos: Tensor, sin: Tensor, positions: [Int], transpose: Bool)
        -> Tensor
    {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let half = d / 2
        let out = Tensor(zeros: x.shape)
        let c = cos.contiguous()
        let s = sin.contiguous()
        let pc = c.storage.pointer + c.offset
        let ps = s.storage.pointer + s.offset
        let px = x.storage.pointer
        let po = out.storage.pointer
        let st = x.strides
        let inner = x.strides[3]
        let batchedPositions = positions.count == b * t
        withExtendedLifetime((x, c, s)) {
            Parallel.forRanges(
                b * h, minimumPerThread: Swift.max(1, Kernels.parallelThreshold / Swift.max(t * d, 1))
            ) { range in
                for bh in range {
                    let bi = bh / h
                    let hi = bh % h
                    for ti in 0..<t {
                        let pos = positions[batchedPositions ? bi * t + ti : ti]
                        let cr = pc + pos * d
                        let sr = ps + pos * d
                        let xr = px + x.offset + bi * st[0] + hi * st[1] + ti * st[2]
                        let yr = po + (bh * t + ti) * d
                        for j in 0..<half {
                            let x1 = xr[j * inner]
                            let x2 = xr[(j + half) * inner]
                            if transpose {
                                yr[j] = x1 * cr[j] + x2 * sr[j + half]
                                yr[j + half] = x2 * cr[j + half] - x1 * sr[j]
                            } else {
                                yr[j] = x1 * cr[j] - x2 * sr[j]
                                yr[j + half] = x2 * cr[j + half] + x1 * sr[j + half]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension Variable {
    /// Rotary position embedding of `self`, shaped [batch, heads, seq, headDim] (any strides: a
    /// permuted [batch, seq, heads, headDim] view is read in place). `cos` and `sin` are
    /// [maxPositions, headDim] tables (see `RoPE.tables`); `positions` holds one position per
    /// sequence index (`seq` values, shared by the batch) or per token (`batch * seq` values).
    public func rope(cos: Tensor, sin: Tensor, positions: [Int]) -> Variable {
        precondition(
            rank == 4 && shape[3] % 2 == 0, "rope: needs [batch, heads, seq, even headDim], got \(shape)")
        precondition(
            cos.shape == sin.shape && cos.rank == 2 && cos.shape[1] == shape[3],
            "rope: tables cos \(cos.shape) / sin \(sin.shape) do not match head dimension of \(shape)")
        precondition(
            positions.count == shape[2] || positions.count == shape[0] * shape[2],
            "rope: \(positions.count) positions for shape \(shape)")
        precondition(
            positions.allSatisfy { $0 >= 0 && $0 < cos.shape[0] },
            "rope: a position is outside the \(cos.shape[0]) table rows")
        let out = RoPE.rotate(value, cos: cos, sin: sin, positions: positions, transpose: false)
        return Variable.record(out, op: "rope", parents: [self]) { g in
            [RoPE.rotate(g, cos: cos, sin: sin, positions: positions, transpose: true)]
        }
    }
}
