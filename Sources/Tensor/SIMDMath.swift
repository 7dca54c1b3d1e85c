import Foundation

/// Vectorised transcendental functions for the kernels' SIMD8 inner loops.
enum SIMDMath {
    /// `exp` lane by lane, Cephes' `expf` reduction (x = n ln2 + r, |r| <= ln2 / 2, degree-6
    /// polynomial, 2^n built in the exponent bits): within 2 ulp of the correctly rounded value.
    /// Vectors with a lane beyond |x| = 87, or NaN, go through `Foundation.exp`, so the edges behave
    /// exactly like the scalar function. Rounding uses the 1.5 * 2^23 trick and the range test
    /// integer bit operations: SIMD conversions, mask tests and `min()`/`pointwiseMin` compile to
    /// scalar code or calls on baseline x86-64 and made this up to ten times slower.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // |x| > 87 or NaN <=> the magnitude bits exceed those of 87.0 (IEEE order is integer order).
        let over = SIMD8<Int32>(repeating: 0x42AE_0000) &- (unsafeBitCast(x, to: SIMD8<Int32>.self) & 0x7FFF_FFFF)
        let over4 = over.lowHalf | over.highHalf
        guard (over4[0] | over4[1] | over4[2] | over4[3]) >= 0 else {
            var r = SIMD8<Float>()
            for i in 0..<8 { r[i] = Foundation.exp(x[i]) }
            return r
        }
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
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
