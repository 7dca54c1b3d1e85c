#if arch(x86_64) && QUANT_AVX2
import _Builtin_intrinsics.intel
#endif
import Tensor

/// Activations quantized for the fast GEMV: groups of 64 values with one fp32 scale each, int8 codes
/// stored per group as the 32 even-indexed values then the 32 odd-indexed ones, matching how the high
/// and low nibbles of 32 packed weight bytes separate.
struct Int8Activations {
    let codes: [Int8]
    let scales: [Float]

    /// Round-to-nearest int8 with scale max|x| / 127 per group of 64; nil when x holds a NaN or an
    /// infinity, which int8 cannot carry.
    init?(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % 64 == 0, "Int8Activations: \(count) values is not a multiple of 64")
        var codes = [Int8](repeating: 0, count: count)
        var scales = [Float](repeating: 0, count: count / 64)
        for g in 0..<(count / 64) {
            let xs = x + g * 64
            var m: Float = 0
            for i in 0..<64 {
                guard xs[i].isFinite else { return nil }
                m = Swift.max(m, abs(xs[i]))
            }
            scales[g] = m / 127
            let inv: Float = m > 0 ? 127 / m : 0
            for i in 0..<32 {
                codes[g * 64 + i] = Int8((xs[2 * i] * inv).rounded(.toNearestOrEven))
                codes[g * 64 + 32 + i] = Int8((xs[2 * i + 1] * inv).rounded(.toNearestOrEven))
            }
        }
        self.codes = codes
        self.scales = scales
    }
}

extension QuantType {
    /// The code book scaled by 127 and rounded to int8, for the integer fast path.
    var int8Codebook: [Int8] { codebook.map { Int8(($0 * 127).rounded(.toNearestOrEven)) } }
}

extension QuantizedTensor {
    /// True when `gemvFast` runs the integer kernel (rows a multiple of 64 long, blocks at least 64);
    /// otherwise, and for activations holding NaN or infinity, it falls back to `gemvExact`.
    public var supportsFastGEMV: Bool { matrixShape.cols % 64 == 0 && blocksize >= 64 }

    /// True when this build carries the AVX2 kernel (built with `-Xswiftc -DQUANT_AVX2` and an AVX2
    /// target CPU); otherwise the integer path runs in portable Swift.
    public static var fastGEMVUsesAVX2: Bool {
        #if arch(x86_64) && QUANT_AVX2
        return true
        #else
        return false
        #endif
    }

    /// y = W x, the fast path for decode: x is quantized to int8 in groups of 64 (scale max|x|/127),
    /// the 4-bit codes become int8 (code * 127, rounded) by a table lookup (`vpshufb` in the AVX2
    /// build), and each group is an integer multiply-add, scaled by absmax * xscale / 127.
    ///
    /// Error against `gemvExact`: the int8 code book is off by at most 0.5/127 of the block absmax per
    /// weight and each activation by at most half its group's scale, so each product carries a relative
    /// error of roughly 0.4% + 0.4%; measured on [256, 1024] weights the RMS error of y is 0.6-0.8% of
    /// RMS(y) for NF4 and FP4 (the tests bound it at 1.5%), well below NF4's own quantization error.
    public func gemvFast(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        guard supportsFastGEMV, let act = Int8Activations(x, count: cols) else { return gemvExact(x, y) }
        let table = quantType.int8Codebook
        let groups = cols / 64
        let shift = blocksize.trailingZeroBitCount
        withKernelData { packed, scales in
            act.codes.withUnsafeBufferPointer { xq in
                act.scales.withUnsafeBufferPointer { xs in
                    table.withUnsafeBufferPointer { tb in
                        forRowChunks(rows, minimumChunk: 32) { range in
                            let groupScale = UnsafeMutablePointer<Float>.allocate(capacity: groups)
                            defer { groupScale.deallocate() }
                            for r in range {
                                let blockBase = r * cols
                                for g in 0..<groups { groupScale[g] = scales.scale((blockBase + g * 64) >> shift) * xs[g] }
                                y[r] = int8RowDot(packed + r * cols / 2, xq.baseAddress!, groupScale, tb.baseAddress!, groups: groups) / 127
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Σ_g groupScale[g] * Σ_i (table[hi(b_i)] * xq[i] + table[lo(b_i)] * xq[32 + i]) over the row's
/// groups of 32 packed bytes (64 weights).
@inline(__always)
func int8RowDot(_ bytes: UnsafePointer<UInt8>, _ xq: UnsafePointer<Int8>, _ groupScale: UnsafePointer<Float>,
                _ table: UnsafePointer<Int8>, groups: Int) -> Float {
    #if arch(x86_64) && QUANT_AVX2
    let lut = _mm256_broadcastsi128_si256(_mm_loadu_si128(UnsafeRawPointer(table).assumingMemoryBound(to: __m128i.self)))
    let mask = _mm256_set1_epi8(0x0F)
    let ones = _mm256_set1_epi16(1)
    var acc = _mm256_setzero_ps()
    for g in 0..<groups {
        let v = _mm256_loadu_si256(UnsafeRawPointer(bytes + g * 32).assumingMemoryBound(to: __m256i.self))
        let wHi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), mask))
        let wLo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, mask))
        let xe = _mm256_loadu_si256(UnsafeRawPointer(xq + g * 64).assumingMemoryBound(to: __m256i.self))
        let xo = _mm256_loadu_si256(UnsafeRawPointer(xq + g * 64 + 32).assumingMemoryBound(to: __m256i.self))
        // maddubs wants an unsigned operand: |w| times x carrying w's sign.
        let pHi = _mm256_maddubs_epi16(_mm256_sign_epi8(wHi, wHi), _mm256_sign_epi8(xe, wHi))
        let pLo = _mm256_maddubs_epi16(_mm256_sign_epi8(wLo, wLo), _mm256_sign_epi8(xo, wLo))
        let s = _mm256_add_epi32(_mm256_madd_epi16(pHi, ones), _mm256_madd_epi16(pLo, ones))
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(groupScale[g]), acc)
    }
    return unsafeBitCast(acc, to: SIMD8<Float>.self).sum()
    #else
    var acc: Float = 0
    for g in 0..<groups {
        let b = bytes + g * 32, x = xq + g * 64
        var isum: Int32 = 0
        for i in 0..<32 {
            isum &+= Int32(table[Int(b[i] >> 4)]) * Int32(x[i]) + Int32(table[Int(b[i] & 0xF)]) * Int32(x[32 + i])
        }
        acc += Float(isum) * groupScale[g]
    }
    return acc
    #endif
}
