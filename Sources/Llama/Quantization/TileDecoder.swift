import QuantKernels

/// Dequantizes rectangular tiles of a 2-D quantized weight [rows, cols] into caller buffers.
struct TileDecoder {
    let packed: UnsafePointer<UInt8>
    let scales: ScaleSource
    let code: [Float]
    let cols: Int
    let blocksize: Int

    /// W[r, c0..<c1] for r in `rows` into dst[(r - rows.lowerBound) * ld + (c - c0)], each value
    /// code * absmax in float32 exactly as `dequantized()` gives it.
    func decode(rows: Range<Int>, cols c0: Int, _ c1: Int, into dst: UnsafeMutablePointer<Float>, ld: Int) {
        let shift = blocksize.trailingZeroBitCount
        // Both codes of every byte, so one load and one multiply give two weights; code * s is the same
        // float product dequantization computes.
        let pairs = UnsafeMutablePointer<SIMD2<Float>>.allocate(capacity: 256)
        defer { pairs.deallocate() }
        for b in 0..<256 { pairs[b] = SIMD2(code[b >> 4], code[b & 0xF]) }
        for r in rows {
            var out = dst + (r - rows.lowerBound) * ld
            var e = r * cols + c0
            let end = r * cols + c1
            while e < end {
                let blk = e >> shift
                let segEnd = Swift.min(end, (blk + 1) << shift)
                let s = scales.scale(blk)
                if e & 1 == 1 {
                    out.pointee = code[Int(packed[e >> 1] & 0xF)] * s
                    out += 1; e += 1
                }
                let n = (segEnd - e) >> 1
                let src = packed + (e >> 1)
                let raw = UnsafeMutableRawPointer(out)
                for i in 0..<n {
                    raw.storeBytes(of: pairs[Int(src[i])] * s, toByteOffset: i * 8, as: SIMD2<Float>.self)
                }
                out += 2 * n; e += 2 * n
                if e < segEnd {
                    out.pointee = code[Int(packed[e >> 1] >> 4)] * s
                    out += 1; e += 1
                }
            }
        }
    }
}
