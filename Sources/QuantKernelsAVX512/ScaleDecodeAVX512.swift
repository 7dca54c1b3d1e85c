// Compiled with the AVX-512 kernel (see AVX512Int8Kernel.swift).
#if arch(x86_64)
import _Builtin_intrinsics.intel
import QuantKernels

extension ScaleSource {
    /// Splits the 256-entry nested quant map into four byte planes at `planes` (plane p, byte p of
    /// every entry), the tables `groupScalesAVX512` permutes.
    func fillMapPlanes(_ planes: UnsafeMutablePointer<UInt8>) {
        let map = UnsafeRawPointer(self.map!)
        for i in stride(from: 0, to: 256, by: 16) {
            let entries = _mm512_loadu_si512(map + 4 &* i)
            for p in 0..<4 {
                let bytes = _mm512_cvtepi32_epi8(_mm512_srli_epi32(entries, UInt32(8 &* p)))
                _mm_storeu_si128(UnsafeMutableRawPointer(planes + (256 &* p &+ i)).assumingMemoryBound(to: __m128i.self), bytes)
            }
        }
    }

    /// `groupScales` for double-quantized blocks of 64 (one block per group), bit for bit: 64 block
    /// codes at a time look up each byte plane of the map with two 128-entry `vpermi2b`, and the
    /// planes interleave back into floats. The scalar form does one dependent table load per block,
    /// which cost a quarter of the fast GEMV.
    @inline(__always)
    func groupScalesAVX512(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                           mapPlanes: UnsafePointer<UInt8>) {
        let (codes, nested, nestedShift) = (codes!, nested!, nestedShift)
        let offset = _mm512_set1_ps(self.offset)
        func plane(_ p: Int, _ q: Int) -> __m512i { _mm512_loadu_si512(UnsafeRawPointer(mapPlanes + (256 &* p &+ 64 &* q))) }
        let (p00, p01, p02, p03) = (plane(0, 0), plane(0, 1), plane(0, 2), plane(0, 3))
        let (p10, p11, p12, p13) = (plane(1, 0), plane(1, 1), plane(1, 2), plane(1, 3))
        let (p20, p21, p22, p23) = (plane(2, 0), plane(2, 1), plane(2, 2), plane(2, 3))
        let (p30, p31, p32, p33) = (plane(3, 0), plane(3, 1), plane(3, 2), plane(3, 3))
        let order = ScaleDecodeOrder.bytes.withUnsafeBytes { _mm512_loadu_si512($0.baseAddress!) }
        let firstBlock = first &>> 6
        var g = 0
        while g < groups {
            let n = Swift.min(64, groups &- g)
            let present: UInt64 = n == 64 ? ~0 : (UInt64(1) &<< UInt64(n)) &- 1
            let raw = _mm512_maskz_loadu_epi8(present, UnsafeRawPointer(codes + (firstBlock &+ g)))
            let c = _mm512_permutexvar_epi8(order, raw)
            let upper = _mm512_movepi8_mask(c)
            func lookup(_ t0: __m512i, _ t1: __m512i, _ t2: __m512i, _ t3: __m512i) -> __m512i {
                _mm512_mask_blend_epi8(upper, _mm512_permutex2var_epi8(t0, c, t1), _mm512_permutex2var_epi8(t2, c, t3))
            }
            let b0 = lookup(p00, p01, p02, p03), b1 = lookup(p10, p11, p12, p13)
            let b2 = lookup(p20, p21, p22, p23), b3 = lookup(p30, p31, p32, p33)
            // Interleaving bytes then 16-bit pairs works within 128-bit lanes; `order` placed the codes
            // so that the four results hold groups g..<g+16, g+16..<g+32, and so on.
            let lo01 = _mm512_unpacklo_epi8(b0, b1), hi01 = _mm512_unpackhi_epi8(b0, b1)
            let lo23 = _mm512_unpacklo_epi8(b2, b3), hi23 = _mm512_unpackhi_epi8(b2, b3)
            // Blocks g + 16 q ..< g + 16 q + 16, scaled and stored.
            func store(_ q: Int, _ value: __m512i) {
                guard 16 &* q < n else { return }
                let start = g &+ 16 &* q, count = Swift.min(16, n &- 16 &* q)
                let lanes: UInt16 = count == 16 ? 0xFFFF : UInt16((1 &<< count) &- 1)
                let block = firstBlock &+ start
                let n0 = block &>> nestedShift, n1 = (block &+ count &- 1) &>> nestedShift
                var scale = _mm512_set1_ps(nested[n0])
                if n1 != n0 {
                    let later = UInt16(truncatingIfNeeded: 0xFFFF &<< ((n1 &<< nestedShift) &- block))
                    scale = _mm512_mask_blend_ps(later, scale, _mm512_set1_ps(nested[n1]))
                }
                // Multiply then add, unfused, as `scale(_:)` computes it.
                let absmax = _mm512_add_ps(_mm512_mul_ps(_mm512_castsi512_ps(value), scale), offset)
                _mm512_mask_storeu_ps(UnsafeMutableRawPointer(out + start), lanes,
                                      _mm512_mul_ps(absmax, _mm512_maskz_loadu_ps(lanes, UnsafeRawPointer(factor + start))))
            }
            store(0, _mm512_unpacklo_epi16(lo01, lo23))
            store(1, _mm512_unpackhi_epi16(lo01, lo23))
            store(2, _mm512_unpacklo_epi16(hi01, hi23))
            store(3, _mm512_unpackhi_epi16(hi01, hi23))
            g &+= 64
        }
    }
}

/// Byte 16 L + 4 q + j of the permuted codes is block 16 q + 4 L + j of the 64: what the in-lane
/// unpacks of `groupScalesAVX512` need to emit blocks in order.
private enum ScaleDecodeOrder {
    static let bytes: [UInt8] = (0..<64).map { i in
        let (lane, q, j) = (i / 16, (i / 4) % 4, i % 4)
        return UInt8(16 * q + 4 * lane + j)
    }
}
#endif
