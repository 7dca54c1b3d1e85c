import Foundation

/// Rotate-half RoPE as transformers computes it: inv_freq = 1 / theta^(2i / headDim) and
/// angle = position * inv_freq in fp32. Angles are computed for the positions of each step only,
/// so a long advertised context costs no table.
struct RoPEAngles {
    let invFreq: [Float]
    var half: Int { invFreq.count }

    init(headDim: Int, theta: Float) {
        invFreq = (0..<(headDim / 2)).map { i in Float(1) / Foundation.pow(theta, Float(2 * i) / Float(headDim)) }
    }

    /// cos and sin of every angle, [positions.count, half] each.
    func tables(_ positions: [Int]) -> (cos: [Float], sin: [Float]) {
        var c = [Float](repeating: 0, count: positions.count * half), s = c
        for (r, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(p) * invFreq[i]
                c[r * half + i] = Foundation.cos(angle)
                s[r * half + i] = Foundation.sin(angle)
            }
        }
        return (c, s)
    }

    /// Rotates `heads` consecutive heads of `2 * half` floats at `v` in place with one row of
    /// `tables`: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin) over the two halves of each head.
    @inline(__always)
    func apply(_ v: UnsafeMutablePointer<Float>, heads: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>) {
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
