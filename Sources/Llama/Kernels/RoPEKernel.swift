import Foundation

/// Cosine and sine tables for rotate-half RoPE, [positions, headDim / 2], computed as
/// transformers does: inv_freq = 1 / theta^(2i / headDim) and angle = position * inv_freq in fp32.
struct RoPETables {
    let cos: [Float]
    let sin: [Float]
    let half: Int
    let positions: Int

    init(headDim: Int, positions: Int, theta: Float) {
        half = headDim / 2
        self.positions = positions
        let invFreq = (0..<half).map { i in Float(1) / Foundation.pow(theta, Float(2 * i) / Float(headDim)) }
        var c = [Float](repeating: 0, count: positions * half), s = c
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[p * half + i] = Foundation.cos(angle)
                s[p * half + i] = Foundation.sin(angle)
            }
        }
        cos = c
        sin = s
    }

    /// Rotates `heads` consecutive heads of `2 * half` floats at `v` in place for `position`:
    /// (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin) over the two halves of each head.
    @inline(__always)
    func apply(_ v: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        precondition(position >= 0 && position < positions, "RoPE: position \(position) outside the table of \(positions)")
        cos.withUnsafeBufferPointer { cp in
            sin.withUnsafeBufferPointer { sp in
                let c = cp.baseAddress! + position * half, s = sp.baseAddress! + position * half
                for h in 0..<heads {
                    let x = v + h * 2 * half
                    for i in 0..<half {
                        let x1 = x[i], x2 = x[i + half]
                        x[i] = x1 * c[i] - x2 * s[i]
                        x[i + half] = x2 * c[i] + x1 * s[i]
                    }
                }
            }
        }
    }
}
