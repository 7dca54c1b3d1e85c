/// Activations to int8 for the portable and AVX2 kernels: per group of 64 values, scale max|x| / 127
/// and round-to-nearest-even codes, stored as the 32 even-indexed values then the 32 odd-indexed
/// ones, matching how the high and low nibbles of 32 packed weight bytes separate. False when x holds
/// a NaN or an infinity, which int8 cannot carry. Inlinable so the AVX2 target compiles it for AVX2.
@inlinable
public func quantizeActivations(_ x: UnsafePointer<Float>, groups: Int, codes: UnsafeMutablePointer<Int8>,
                                scales: UnsafeMutablePointer<Float>) -> Bool {
    for g in 0..<groups {
        let xs = x + g * 64
        var m: Float = 0
        for i in 0..<64 {
            guard xs[i].isFinite else { return false }
            m = Swift.max(m, abs(xs[i]))
        }
        scales[g] = m / 127
        let inv: Float = m > 0 ? 127 / m : 0
        for i in 0..<32 {
            codes[g * 64 + i] = Int8((xs[2 * i] * inv).rounded(.toNearestOrEven))
            codes[g * 64 + 32 + i] = Int8((xs[2 * i + 1] * inv).rounded(.toNearestOrEven))
        }
    }
    return true
}
