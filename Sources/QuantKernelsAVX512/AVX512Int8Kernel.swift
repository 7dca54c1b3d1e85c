// Compiled with `-target-cpu icelake-server` (Package.swift); Llama's dispatcher calls it only on CPUs
// that run Ice Lake server code. Other architectures get an empty module.
#if arch(x86_64)
import _Builtin_intrinsics.intel
import QuantKernels

// The AVX-512 kernel (VNNI and VBMI, as on Zen 4 or Ice Lake and later) works on two groups per
// 64-byte load. Its activations come in pairs of groups, [even g, even g+1, odd g, odd g+1], with
// an unpaired last group as [even, odd] (`pairLayoutOffsets`).

/// The fast GEMV entry points compiled for AVX-512. None is inlined into its callers, which are
/// compiled for the baseline CPU.
public enum AVX512Int8GEMV {
    /// Activations to int8 as `quantizeActivations` rounds them, but in pair layout, with eight int32
    /// corrections per group at `corrections`: lane j holds -128 times the sum of the codes it
    /// multiplies (even and odd codes 4j..<4j+4), the kernel's starting accumulator. False when x
    /// holds a NaN or an infinity.
    @inline(never)
    public static func quantize(_ x: UnsafePointer<Float>, groups: Int, codes: UnsafeMutablePointer<Int8>,
                                scales: UnsafeMutablePointer<Float>, corrections: UnsafeMutablePointer<Int32>) -> Bool {
        quantizeActivationsAVX512(x, groups: groups, codes: codes, scales: scales, corrections: corrections)
    }

    /// y[r] for r in `range`; `a.activations` come from `quantize`.
    @inline(never)
    public static func gemvRows(_ range: Range<Int>, _ a: Int8GEMVArguments) {
        withKernel(a.scales, blockShift: a.blockShift) { $0.rows(range, a) }
    }

    /// `gemvRows` for several activation vectors (`Int8RowKernel.rowsBatch`).
    @inline(never)
    public static func gemvBatchRows(_ range: Range<Int>, _ batch: UnsafeBufferPointer<Int8GEMVArguments>) {
        withKernel(batch[0].scales, blockShift: batch[0].blockShift) { $0.rowsBatch(range, batch) }
    }

    /// One row's group scales as `gemvRows` decodes them (`Int8RowKernel.groupScales`).
    @inline(never)
    public static func groupScales(_ scales: ScaleSource, blockShift: Int, first: Int, groups: Int, times factor: UnsafePointer<Float>,
                                   into out: UnsafeMutablePointer<Float>) {
        withKernel(scales, blockShift: blockShift) { $0.groupScales(first: first, groups: groups, times: factor, into: out) }
    }

    /// Runs `body` with the kernel for these scales: for double-quantized blocks of 64 it decodes
    /// them with byte permutes over map planes built here (1 KB, cheap beside a chunk of rows).
    @inline(__always)
    private static func withKernel(_ scales: ScaleSource, blockShift: Int, _ body: (AVX512Int8Kernel) -> Void) {
        // 16 consecutive blocks must span at most two nested blocks.
        guard scales.plain == nil, blockShift == 6, scales.nestedShift >= 4 else {
            return body(AVX512Int8Kernel(scales: scales, blockShift: blockShift, mapPlanes: nil))
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { planes in
            scales.fillMapPlanes(planes.baseAddress!)
            body(AVX512Int8Kernel(scales: scales, blockShift: blockShift, mapPlanes: UnsafePointer(planes.baseAddress!)))
        }
    }
}

/// Where group g's 32 even and 32 odd codes start in pair layout.
@inline(__always)
func pairLayoutOffsets(group g: Int, groups: Int) -> (even: Int, odd: Int) {
    if g | 1 < groups {
        let pair = (g / 2) * 128, half = (g & 1) * 32
        return (pair + half, pair + 64 + half)
    }
    return (g * 64, g * 64 + 32)
}

/// Two groups per 64-byte load, table lookups with `vpermb`, multiply-adds with `vpdpbusd`.
struct AVX512Int8Kernel: Int8RowKernel {
    let scales: ScaleSource
    let blockShift: Int
    /// The nested quant map as four planes of 256 bytes (plane p holds byte p of every entry), when
    /// the byte-permute scale decoder applies.
    let mapPlanes: UnsafePointer<UInt8>?

    @inline(__always)
    func groupScales(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if let mapPlanes { return scales.groupScalesAVX512(first: first, groups: groups, times: factor, into: out, mapPlanes: mapPlanes) }
        scales.groupScales(first: first, groups: groups, blockShift: blockShift, times: factor, into: out)
    }

    @inline(__always)
    func rowDot(_ bytes: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float {
        let k = AVX512GroupKernel(ops)
        var acc = _mm512_setzero_ps()
        for p in 0..<(ops.groups / 2) {
            let x = k.activations(ops, pair: p)
            acc = _mm512_fmadd_ps(k.pair(bytes + p &* 64, x), k.pairScales(groupScale + 2 &* p), acc)
        }
        return (_mm512_reduce_add_ps(acc) + k.lastGroup(bytes, ops, groupScale)) / 127
    }

    /// The four rows share each pair's activation loads, and each row stream is prefetched ahead.
    @inline(__always)
    func fourRowDot(_ bytes: UnsafePointer<UInt8>, laneStride: Int, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, yStride: Int) {
        let k = AVX512GroupKernel(ops)
        let groups = ops.groups
        let (w1, w2, w3) = (bytes + laneStride, bytes + 2 &* laneStride, bytes + 3 &* laneStride)
        let (s1, s2, s3) = (groupScale + groups, groupScale + 2 &* groups, groupScale + 3 &* groups)
        var a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
        for p in 0..<(groups / 2) {
            let x = k.activations(ops, pair: p)
            let o = p &* 64, so = 2 &* p
            prefetchWeights(bytes + o); prefetchWeights(w1 + o); prefetchWeights(w2 + o); prefetchWeights(w3 + o)
            a0 = _mm512_fmadd_ps(k.pair(bytes + o, x), k.pairScales(groupScale + so), a0)
            a1 = _mm512_fmadd_ps(k.pair(w1 + o, x), k.pairScales(s1 + so), a1)
            a2 = _mm512_fmadd_ps(k.pair(w2 + o, x), k.pairScales(s2 + so), a2)
            a3 = _mm512_fmadd_ps(k.pair(w3 + o, x), k.pairScales(s3 + so), a3)
        }
        y[0] = (_mm512_reduce_add_ps(a0) + k.lastGroup(bytes, ops, groupScale)) / 127
        y[yStride] = (_mm512_reduce_add_ps(a1) + k.lastGroup(w1, ops, s1)) / 127
        y[2 &* yStride] = (_mm512_reduce_add_ps(a2) + k.lastGroup(w2, ops, s2)) / 127
        y[3 &* yStride] = (_mm512_reduce_add_ps(a3) + k.lastGroup(w3, ops, s3)) / 127
    }
}

/// Pair-layout codes, scales and corrections for `AVX512Int8GEMV.quantize`. Sixteen values per
/// instruction: the scalar form cost a quarter of an L3-resident GEMV.
private func quantizeActivationsAVX512(_ x: UnsafePointer<Float>, groups: Int, codes: UnsafeMutablePointer<Int8>,
                                       scales: UnsafeMutablePointer<Float>, corrections: UnsafeMutablePointer<Int32>) -> Bool {
    let zero = _mm512_setzero_ps()
    let unsigned128 = _mm512_set1_epi8(-128)
    let upperHalf = _mm512_set_epi32(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8)
    let split = EvenOddSplit.bytes.withUnsafeBytes { _mm512_loadu_si512($0.baseAddress!) }
    for g in 0..<groups {
        let p = UnsafeRawPointer(x + g &* 64)
        let v0 = _mm512_loadu_ps(p), v1 = _mm512_loadu_ps(p + 64), v2 = _mm512_loadu_ps(p + 128), v3 = _mm512_loadu_ps(p + 192)
        // x * 0 is 0 for finite x and NaN for NaN or infinity, and a NaN survives the sum.
        let probe = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(v0, zero), _mm512_mul_ps(v1, zero)),
                                  _mm512_add_ps(_mm512_mul_ps(v2, zero), _mm512_mul_ps(v3, zero)))
        guard _mm512_reduce_add_ps(probe) == 0 else { return false }
        let m = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)),
                                                   _mm512_max_ps(_mm512_abs_ps(v2), _mm512_abs_ps(v3))))
        scales[g] = m / 127
        let inv = _mm512_set1_ps(m > 0 ? 127 / m : 0)
        // Round to nearest even (the default rounding mode); |code| <= 127, so the saturating packs are
        // exact. They interleave within 128-bit lanes, which `split` undoes while separating even from odd.
        func round(_ v: __m512) -> __m512i { _mm512_cvtps_epi32(_mm512_mul_ps(v, inv)) }
        let packed = _mm512_packs_epi16(_mm512_packs_epi32(round(v0), round(v1)), _mm512_packs_epi32(round(v2), round(v3)))
        let evenOdd = _mm512_permutexvar_epi8(split, packed)
        let (e, o) = pairLayoutOffsets(group: g, groups: groups)
        _mm512_mask_storeu_epi8(UnsafeMutableRawPointer(codes + e), 0xFFFF_FFFF, evenOdd)
        // The odd half goes out from the vector's upper 32 bytes (a masked store cannot fault or write
        // outside its lanes).
        _mm512_mask_storeu_epi8(UnsafeMutableRawPointer(codes + o - 32), 0xFFFF_FFFF_0000_0000, evenOdd)
        // Lane j: 128 * (even codes 4j..<4j+4), lane 8 + j: the same for odd; fold and negate.
        let sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), unsigned128, evenOdd)
        let total = _mm512_add_epi32(sums, _mm512_permutexvar_epi32(upperHalf, sums))
        _mm512_mask_storeu_epi32(UnsafeMutableRawPointer(corrections + g &* 8), 0xFF, _mm512_sub_epi32(_mm512_setzero_si512(), total))
    }
    return true
}

/// Byte i of the permute from the packs' order (element 16 k + 4 L + j at byte 16 L + 4 k + j) to
/// the 32 even-indexed elements then the 32 odd-indexed ones.
private enum EvenOddSplit {
    static let bytes: [UInt8] = (0..<64).map { (i: Int) -> UInt8 in
        let element: Int = i < 32 ? 2 * i : 2 * (i - 32) + 1
        let (k, lane, j) = (element / 16, (element % 16) / 4, element % 4)
        return UInt8(16 * lane + 4 * k + j)
    }
}

/// One pair's activations in registers.
struct AVX512Activations {
    let even: __m512i, odd: __m512i, correction: __m512i
}

/// The per-call constants and the per-pair step of the AVX-512 kernel.
///
/// `vpdpbusd` multiplies unsigned by signed bytes, so the weights go in as code + 128 (unsigned) and
/// the activations as they are; each lane's accumulator starts at the pair's correction,
/// -128 * (the sum of the eight activations feeding it), which cancels the offset exactly.
struct AVX512GroupKernel {
    /// The 16 codes + 128, repeated four times: `vpermb` indexes with six bits, so the two bits above
    /// each nibble select a copy and need no masking.
    let lut: __m512i
    /// Lane i of a pair's products belongs to group i / 8.
    let scaleIndex = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)

    let corrections: UnsafePointer<Int32>

    @inline(__always)
    init(_ ops: Int8Operands) {
        let codes = _mm_loadu_si128(UnsafeRawPointer(ops.table).assumingMemoryBound(to: __m128i.self))
        lut = _mm512_xor_si512(_mm512_broadcast_i32x4(codes), _mm512_set1_epi8(-128))
        corrections = ops.corrections!
    }

    @inline(__always)
    func activations(_ ops: Int8Operands, pair p: Int) -> AVX512Activations {
        let c = UnsafeRawPointer(ops.codes + p &* 128)
        return AVX512Activations(even: _mm512_loadu_si512(c), odd: _mm512_loadu_si512(c + 64),
                                 correction: _mm512_loadu_si512(UnsafeRawPointer(corrections + p &* 16)))
    }

    /// Two groups' 128 products: lanes 0-7 sum group g's, lanes 8-15 group g+1's, as floats.
    @inline(__always)
    func pair(_ w: UnsafePointer<UInt8>, _ x: AVX512Activations) -> __m512 {
        let v = _mm512_loadu_si512(UnsafeRawPointer(w))
        let hi = _mm512_permutexvar_epi8(_mm512_srli_epi16(v, 4), lut)
        let lo = _mm512_permutexvar_epi8(v, lut)
        return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_dpbusd_epi32(x.correction, hi, x.even), lo, x.odd))
    }

    /// [s[0] x 8, s[1] x 8].
    @inline(__always)
    func pairScales(_ s: UnsafePointer<Float>) -> __m512 {
        // movsd takes any alignment (the C intrinsic loads through a packed struct).
        let two = _mm_load_sd(UnsafeRawPointer(s).assumingMemoryBound(to: Double.self))
        return _mm512_permutexvar_ps(scaleIndex, _mm512_castps128_ps512(_mm_castpd_ps(two)))
    }

    /// The unpaired last group of a row with an odd group count, scaled; 0 otherwise.
    @inline(__always)
    func lastGroup(_ row: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float {
        let g = ops.groups &- 1
        guard g & 1 == 0 else { return 0 }
        let c = UnsafeRawPointer(ops.codes + g &* 64)
        let even = _mm256_loadu_si256(c.assumingMemoryBound(to: __m256i.self))
        let odd = _mm256_loadu_si256((c + 32).assumingMemoryBound(to: __m256i.self))
        let correction = _mm256_loadu_si256(UnsafeRawPointer(corrections + g &* 8).assumingMemoryBound(to: __m256i.self))
        let v = _mm256_loadu_si256(UnsafeRawPointer(row + g &* 32).assumingMemoryBound(to: __m256i.self))
        let lut = _mm512_castsi512_si256(self.lut)
        let hi = _mm256_permutexvar_epi8(_mm256_srli_epi16(v, 4), lut)
        let lo = _mm256_permutexvar_epi8(v, lut)
        // The unmasked 256-bit form is a C macro; an all-lanes mask gives the same instruction.
        let sum = _mm256_mask_dpbusd_epi32(_mm256_mask_dpbusd_epi32(correction, 0xFF, hi, even), 0xFF, lo, odd)
        return Float(unsafeBitCast(sum, to: SIMD8<Int32>.self).wrappedSum()) * groupScale[g]
    }
}
#endif
