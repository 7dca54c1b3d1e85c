/// An 8-lane single-precision exponential (Cephes `expf`: range reduction by ln 2 and a
/// degree-6 polynomial), within 2 ulp of libm over the clamped range. The cross-entropy over a
/// 32,000-token vocabulary spends most of its time in exponentials; libm's scalar `expf` does
/// not vectorise.
enum FastExp {
    /// exp(x) lane by lane; inputs are clamped to [-87.3, 88], so results never overflow to
    /// infinity or fall into denormals (exp(-87.3) is about 1e-38).
    @inline(__always)
    static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let lo = SIMD8<Float>(repeating: -87.3), hi = SIMD8<Float>(repeating: 88)
        // Masked blends inline to vector selects; `clamped` calls generic helpers per vector.
        var x = v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
        // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa
        // bits, so n and 2^n come from bit operations rather than (slow, generic) conversions.
        let shifted = x * 1.44269504088896341 + 12582912
        let n = shifted - 12582912
        x = x - n * 0.693359375 + n * 2.12194440e-4
        let z = x * x
        var y = SIMD8<Float>(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * z + x + 1
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// exp(x) for one value through the same kernel, so vector bodies and scalar tails agree.
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }
}
