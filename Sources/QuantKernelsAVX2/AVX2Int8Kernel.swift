// Compiled with `-target-cpu haswell` (Package.swift); Llama's dispatcher calls it only on CPUs that
// run Haswell code. Other architectures get an empty module.
#if arch(x86_64)
import _Builtin_intrinsics.intel
import QuantKernels

/// The fast GEMV entry points compiled for AVX2.
public enum AVX2Int8GEMV {
    /// `quantizeActivations`, compiled for AVX2. Not inlined into callers, which are compiled for the
    /// baseline CPU (so is every entry point here).
    @inline(never)
    public static func quantize(_ x: UnsafePointer<Float>, groups: Int, codes: UnsafeMutablePointer<Int8>,
                                scales: UnsafeMutablePointer<Float>) -> Bool {
        quantizeActivations(x, groups: groups, codes: codes, scales: scales)
    }

    /// y[r] for r in `range`.
    @inline(never)
    public static func gemvRows(_ range: Range<Int>, _ a: Int8GEMVArguments) {
        AVX2Int8Kernel(scales: a.scales, blockShift: a.blockShift).rows(range, a)
    }

    /// `gemvRows` for several activation vectors (`Int8RowKernel.rowsBatch`).
    @inline(never)
    public static func gemvBatchRows(_ range: Range<Int>, _ batch: UnsafeBufferPointer<Int8GEMVArguments>) {
        AVX2Int8Kernel(scales: batch[0].scales, blockShift: batch[0].blockShift).rowsBatch(range, batch)
    }
}

/// Sixteen weights per `vpshufb` lookup, 32 bytes per group, multiplied with `vpmaddubsw`.
struct AVX2Int8Kernel: Int8RowKernel {
    let scales: ScaleSource
    let blockShift: Int

    @inline(__always)
    func groupScales(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        scales.groupScales(first: first, groups: groups, blockShift: blockShift, times: factor, into: out)
    }

    @inline(__always)
    func rowDot(_ bytes: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float {
        let k = AVX2GroupKernel(table: ops.table)
        let groups = ops.groups
        // Two accumulators so consecutive groups' multiply-adds do not wait on each other.
        var a0 = _mm256_setzero_ps(), a1 = a0
        var g = 0
        while g &+ 2 <= groups {
            a0 = _mm256_fmadd_ps(k.group(bytes + g &* 32, k.activations(ops, g)), _mm256_set1_ps(groupScale[g]), a0)
            let h = g &+ 1
            a1 = _mm256_fmadd_ps(k.group(bytes + h &* 32, k.activations(ops, h)), _mm256_set1_ps(groupScale[h]), a1)
            g &+= 2
        }
        if g < groups { a0 = _mm256_fmadd_ps(k.group(bytes + g &* 32, k.activations(ops, g)), _mm256_set1_ps(groupScale[g]), a0) }
        return _mm256_add_ps(a0, a1).sum() / 127
    }

    /// The four rows share each group's activation loads and magnitudes, and each row stream is
    /// prefetched ahead, once per 64-byte line.
    @inline(__always)
    func fourRowDot(_ bytes: UnsafePointer<UInt8>, laneStride: Int, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, yStride: Int) {
        let k = AVX2GroupKernel(table: ops.table)
        let groups = ops.groups
        let (w1, w2, w3) = (bytes + laneStride, bytes + 2 &* laneStride, bytes + 3 &* laneStride)
        let (s1, s2, s3) = (groupScale + groups, groupScale + 2 &* groups, groupScale + 3 &* groups)
        var a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
        for g in 0..<groups {
            let x = k.activations(ops, g)
            let o = g &* 32
            if g & 1 == 0 { prefetchWeights(bytes + o); prefetchWeights(w1 + o); prefetchWeights(w2 + o); prefetchWeights(w3 + o) }
            a0 = _mm256_fmadd_ps(k.group(bytes + o, x), _mm256_set1_ps(groupScale[g]), a0)
            a1 = _mm256_fmadd_ps(k.group(w1 + o, x), _mm256_set1_ps(s1[g]), a1)
            a2 = _mm256_fmadd_ps(k.group(w2 + o, x), _mm256_set1_ps(s2[g]), a2)
            a3 = _mm256_fmadd_ps(k.group(w3 + o, x), _mm256_set1_ps(s3[g]), a3)
        }
        y[0] = a0.sum() / 127
        y[yStride] = a1.sum() / 127
        y[2 &* yStride] = a2.sum() / 127
        y[3 &* yStride] = a3.sum() / 127
    }
}

/// One group's activations in registers: codes and magnitudes of the even and odd halves.
struct AVX2Activations {
    let even: __m256i, odd: __m256i, evenMagnitude: __m256i, oddMagnitude: __m256i
}

/// The per-call constants and the per-group step of the AVX2 kernel.
struct AVX2GroupKernel {
    let lut: __m256i
    let mask = _mm256_set1_epi8(0x0F)
    let ones = _mm256_set1_epi16(1)

    @inline(__always)
    init(table: UnsafePointer<Int8>) {
        lut = _mm256_broadcastsi128_si256(_mm_loadu_si128(UnsafeRawPointer(table).assumingMemoryBound(to: __m128i.self)))
    }

    @inline(__always)
    func activations(_ ops: Int8Operands, _ g: Int) -> AVX2Activations {
        let c = UnsafeRawPointer(ops.codes + g &* 64)
        let even = _mm256_loadu_si256(c.assumingMemoryBound(to: __m256i.self))
        let odd = _mm256_loadu_si256((c + 32).assumingMemoryBound(to: __m256i.self))
        return AVX2Activations(even: even, odd: odd, evenMagnitude: _mm256_abs_epi8(even), oddMagnitude: _mm256_abs_epi8(odd))
    }

    /// The group's 64 products summed into 8 lanes, as floats.
    @inline(__always)
    func group(_ w: UnsafePointer<UInt8>, _ x: AVX2Activations) -> __m256 {
        let v = _mm256_loadu_si256(UnsafeRawPointer(w).assumingMemoryBound(to: __m256i.self))
        let wHi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), mask))
        let wLo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, mask))
        // maddubs wants an unsigned operand: |x| times w carrying x's sign. Pairs stay within int16
        // since |w|, |x| <= 127.
        let pHi = _mm256_maddubs_epi16(x.evenMagnitude, _mm256_sign_epi8(wHi, x.even))
        let pLo = _mm256_maddubs_epi16(x.oddMagnitude, _mm256_sign_epi8(wLo, x.odd))
        return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_madd_epi16(pHi, ones), _mm256_madd_epi16(pLo, ones)))
    }
}
#endif
