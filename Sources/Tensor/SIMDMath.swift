import Foundation

/// Vectorised transcendental functions for the kernels' SIMD8 inner loops.
enum SIMDMath {
    /// `exp` lane by lane, Cephes' `expf` reduction (x = n ln2 + r, |r| <= ln2 / 2, degree-6
    /// polynomial, 2^n built in the exponent bits): within 2 ulp of the correctly rounded value.
    /// Lanes near overflow or underflow, and NaN, go through `Foundation.exp`, so the edges behave
    /// exactly like the scalar function.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let outOfRange = (x .< -87) .| (x .> 88) .| (x .!= x)
        if any(outOfRange) {
            var r = SIMD8<Float>()
            for i in 0..<8 { r[i] = Foundation.exp(x[i]) }
            return r
        }
        let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p: SIMD8<Float> = SIMD8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let bits = (SIMD8<Int32>(n) &+ 127) &<< 23
        return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
