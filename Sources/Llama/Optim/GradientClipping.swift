import Tensor

/// Global L2-norm gradient clipping, as `torch.nn.utils.clip_grad_norm_` does it: the norm of the
/// per-tensor norms, and a scale of `maxNorm / (norm + 1e-6)` applied only when below 1.
public enum GradientClipping {
    /// Scales the gradients in place and returns the total norm before clipping.
    @discardableResult
    public static func clip(_ gradients: [Tensor], maxNorm: Float) -> Float {
        let total = norm(gradients)
        let coefficient = maxNorm / (total + 1e-6)
        if coefficient < 1 {
            for g in gradients {
                g.withUnsafeMutableBufferPointer { b in
                    for i in b.indices { b[i] *= coefficient }
                }
            }
        }
        return total
    }

    /// The global L2 norm, each tensor's norm computed first (in Float, as torch does), then the
    /// norm of those.
    public static func norm(_ gradients: [Tensor]) -> Float {
        var sumOfSquares: Float = 0
        for g in gradients {
            let n = g.withUnsafeBufferPointer { b -> Float in
                var acc = SIMD8<Float>(), i = 0
                while i + 8 <= b.count {
                    let v = SIMD8<Float>(b[i..<i + 8])
                    acc += v * v
                    i += 8
                }
                var s = acc.sum()
                while i < b.count { s += b[i] * b[i]; i += 1 }
                return s.squareRoot()
            }
            sumOfSquares += n * n
        }
        return sumOfSquares.squareRoot()
    }
}
