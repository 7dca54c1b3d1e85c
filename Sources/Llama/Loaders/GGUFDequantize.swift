/// ggml's block decoders (`dequantize_row_*` in ggml-quants.c) in float32.
///
/// Every value is computed with the operations, in the order, that ggml's reference C and the `gguf`
/// package's numpy `dequantize` use (scale products rounded to float32 before they multiply a code,
/// multiply and add never fused), so the results match theirs bit for bit. Work is done sixteen lanes
/// at a time: a block's codes are loaded as one vector of bytes and unpacked with shifts and masks.
extension GGUFTensorType {
    /// Whether `dequantize` decodes this type. ggml's Q8_1 and Q8_K are activation formats that never
    /// hold weights, and integer tensors are not weights either.
    public var canDequantize: Bool {
        switch self {
        case .q8_1, .q8_K, .i8, .i16, .i32, .i64, .f64: return false
        default: return true
        }
    }

    /// Decodes `blocks` consecutive blocks at `src` into `blocks * blockSize` floats at `dst`.
    public func dequantize(blocks: Int, from src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>) {
        precondition(canDequantize, "GGUFTensorType.dequantize: \(name) has no decoder")
        let stride = bytesPerBlock, size = blockSize
        // Inlined per case, so each block decoder is inlined into its own loop.
        @inline(__always) func each(_ decode: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void) {
            for b in 0..<blocks { decode(src + b * stride, dst + b * size) }
        }
        switch self {
        case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: blocks * 4)
        case .f16: for i in 0..<blocks { dst[i] = GGUFBlocks.half(src, 2 * i) }
        case .bf16: for i in 0..<blocks { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q4_0: each(GGUFBlocks.q4_0)
        case .q4_1: each(GGUFBlocks.q4_1)
        case .q5_0: each(GGUFBlocks.q5_0)
        case .q5_1: each(GGUFBlocks.q5_1)
        case .q8_0: each(GGUFBlocks.q8_0)
        case .q2_K: each(GGUFBlocks.q2_K)
        case .q3_K: each(GGUFBlocks.q3_K)
        case .q4_K: each(GGUFBlocks.q4_K)
        case .q5_K: each(GGUFBlocks.q5_K)
        case .q6_K: each(GGUFBlocks.q6_K)
        case .q8_1, .q8_K, .i8, .i16, .i32, .i64, .f64: preconditionFailure("unreachable: checked by canDequantize")
        }
    }
}

/// One-block decoders, `src` at a block's first byte and `dst` at its first element.
enum GGUFBlocks {
    typealias Bytes = SIMD16<UInt8>
    typealias Lanes = SIMD16<Float>

    /// An fp16 scale as Float, exactly. Written out because on the baseline x86-64 target
    /// `Float(Float16)` is a libcall (`__extendhfsf2`), a few nanoseconds per block of a GEMV.
    @inline(__always) static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let h = UInt32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let sign = (h & 0x8000) << 16, exponent = h & 0x7C00, mantissa = h & 0x3FF
        if exponent == 0x7C00 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        // Zero and subnormals are mantissa * 2^-24, a product float32 holds exactly.
        if exponent == 0 { return Float(bitPattern: sign | (Float(mantissa) * 0x1p-24).bitPattern) }
        return Float(bitPattern: sign | ((h & 0x7FFF) << 13 &+ (127 - 15) << 23))
    }
    @inline(__always) static func bytes(_ p: UnsafeRawPointer, _ offset: Int) -> Bytes {
        p.loadUnaligned(fromByteOffset: offset, as: Bytes.self)
    }
    @inline(__always) static func store(_ v: Lanes, _ dst: UnsafeMutablePointer<Float>, _ offset: Int) {
        UnsafeMutableRawPointer(dst + offset).storeBytes(of: v, as: Lanes.self)
    }
    /// Unsigned codes to floats (exact). The generic SIMD conversions are not inlined (a call per
    /// vector); lane-wise widening is, and OR-ing a code into the mantissa of 2^23 makes 2^23 + q.
    @inline(__always) static func float(_ q: Bytes) -> Lanes { magic(q) - 8_388_608 }
    /// Codes minus a bias, to floats: (2^23 + q) - (2^23 + bias), exact for codes and biases below 2^8.
    @inline(__always) static func float(_ q: Bytes, minus bias: Float) -> Lanes { magic(q) - (8_388_608 + bias) }
    /// int8 codes to floats, by way of q + 128 in an unsigned byte.
    @inline(__always) static func float(_ q: SIMD16<Int8>) -> Lanes { float(unsafeBitCast(q, to: Bytes.self) ^ 0x80, minus: 128) }
    @inline(__always) static func magic(_ q: Bytes) -> Lanes {
        let w = SIMD16<UInt32>(UInt32(q[0]), UInt32(q[1]), UInt32(q[2]), UInt32(q[3]), UInt32(q[4]), UInt32(q[5]), UInt32(q[6]),
                               UInt32(q[7]), UInt32(q[8]), UInt32(q[9]), UInt32(q[10]), UInt32(q[11]), UInt32(q[12]), UInt32(q[13]),
                               UInt32(q[14]), UInt32(q[15]))
        return unsafeBitCast(w | 0x4B00_0000, to: Lanes.self)
    }
    /// Bit `shift + lane` of a 32-bit word in each lane (Q5's high bits: bit j belongs to element j):
    /// two bytes broadcast, one bit masked per lane, and (bit + 127) >> 7 turns 0 or 2^k into 0 or 1.
    @inline(__always) static func bits(_ word: UInt32, from shift: UInt32) -> Bytes {
        let low = UInt8(truncatingIfNeeded: word >> shift), high = UInt8(truncatingIfNeeded: word >> (shift + 8))
        let masked = Bytes(lowHalf: SIMD8(repeating: low), highHalf: SIMD8(repeating: high))
            & Bytes(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        return (masked &+ 127) &>> 7
    }

    /// d fp16, 16 bytes: element j is the low nibble of byte j, element 16 + j its high nibble; w = d * (q - 8).
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), q = bytes(src, 2)
        store(float(q & 0xF, minus: 8) * d, dst, 0)
        store(float(q &>> 4, minus: 8) * d, dst, 16)
    }

    /// d, m fp16, 16 bytes of nibbles as Q4_0; w = d * q + m.
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), m = half(src, 2), q = bytes(src, 4)
        store(float(q & 0xF) * d + m, dst, 0)
        store(float(q &>> 4) * d + m, dst, 16)
    }

    /// d fp16, 32 high bits (bit j for element j), nibbles as Q4_0; w = d * (q - 16).
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), qh = src.loadUnaligned(fromByteOffset: 2, as: UInt32.self), q = bytes(src, 6)
        store(float(q & 0xF | bits(qh, from: 0) &<< 4, minus: 16) * d, dst, 0)
        store(float(q &>> 4 | bits(qh, from: 16) &<< 4, minus: 16) * d, dst, 16)
    }

    /// d, m fp16, then Q5_0's high bits and nibbles; w = d * q + m.
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), m = half(src, 2), qh = src.loadUnaligned(fromByteOffset: 4, as: UInt32.self), q = bytes(src, 8)
        store(float(q & 0xF | bits(qh, from: 0) &<< 4) * d + m, dst, 0)
        store(float(q &>> 4 | bits(qh, from: 16) &<< 4) * d + m, dst, 16)
    }

    /// d fp16, 32 int8; w = q * d.
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0)
        store(float(src.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)) * d, dst, 0)
        store(float(src.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)) * d, dst, 16)
    }

    /// 16 scale bytes (low nibble scale, high nibble min, one per 16 elements), 64 bytes of 2-bit codes,
    /// d and dmin fp16. Element 128h + 32s + l is bits 2s of byte 32h + l; w = (d * sc) * q - dmin * mn.
    static func q2_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 80), dmin = half(src, 82)
        for h in 0..<2 {
            for s in 0..<4 {
                for g in 0..<2 {
                    let sc = src.load(fromByteOffset: h * 8 + s * 2 + g, as: UInt8.self)
                    let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                    let q = (bytes(src, 16 + h * 32 + g * 16) &>> UInt8(2 * s)) & 3
                    store(float(q) * dl - ml, dst, h * 128 + s * 32 + g * 16)
                }
            }
        }
    }

    /// 32 bytes of high-bit masks, 64 bytes of 2-bit codes, 12 bytes of 6-bit scales, d fp16. Element
    /// 128h + 32s + l has low bits 2s of byte 32h + l and mask bit 4h + s of byte l; a clear mask bit
    /// subtracts 4. w = (d * (scale - 32)) * q.
    static func q3_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 108)
        let sc = src + 96
        for h in 0..<2 {
            for s in 0..<4 {
                for g in 0..<2 {
                    let i = h * 8 + s * 2 + g
                    let low = sc.load(fromByteOffset: i & 7, as: UInt8.self) >> UInt8(4 * (i >> 3)) & 0xF
                    let high = sc.load(fromByteOffset: 8 + (i & 3), as: UInt8.self) >> UInt8(2 * (i >> 2)) & 3
                    let dl = d * Float(Int(low | high << 4) - 32)
                    let q = (bytes(src, 32 + h * 32 + g * 16) &>> UInt8(2 * s)) & 3
                    let mask = (bytes(src, g * 16) &>> UInt8(4 * h + s)) & 1
                    // q - 4 when the mask bit is clear is (q + 4 * mask) - 4.
                    store(float(q | mask &<< 2, minus: 4) * dl, dst, h * 128 + s * 32 + g * 16)
                }
            }
        }
    }

    /// Q4_K/Q5_K's eight 6-bit scales and mins packed in 12 bytes (`get_scale_min_k4`).
    @inline(__always) static func scaleMin(_ p: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        func b(_ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(b(j) & 63), Float(b(j + 4) & 63)) }
        return (Float(b(j + 4) & 0xF | (b(j - 4) >> 6) << 4), Float(b(j + 4) >> 4 | (b(j) >> 6) << 4))
    }

    /// d, dmin fp16, 12 scale bytes, 128 bytes of nibbles. Sub-block j = 2c + s of 32 elements takes
    /// nibble s of bytes 32c..<32c + 32; w = (d * sc) * q - dmin * mn.
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), dmin = half(src, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(src + 4, j)
            let d1 = d * sc, m1 = dmin * mn
            for g in 0..<2 {
                let q = (bytes(src, 16 + (j >> 1) * 32 + g * 16) &>> UInt8(4 * (j & 1))) & 0xF
                store(float(q) * d1 - m1, dst, j * 32 + g * 16)
            }
        }
    }

    /// Q4_K with a fifth bit: 32 bytes of high bits after the scales, bit j of byte l for element 32j + l.
    static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 0), dmin = half(src, 2)
        for j in 0..<8 {
            let (sc, mn) = scaleMin(src + 4, j)
            let d1 = d * sc, m1 = dmin * mn
            for g in 0..<2 {
                let low = (bytes(src, 48 + (j >> 1) * 32 + g * 16) &>> UInt8(4 * (j & 1))) & 0xF
                let high = (bytes(src, 16 + g * 16) &>> UInt8(j)) & 1
                store(float(low | high &<< 4) * d1 - m1, dst, j * 32 + g * 16)
            }
        }
    }

    /// 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, d fp16. In each half h,
    /// element r < 128 has nibble r / 64 of low byte 64h + r % 64 and bits 2(r / 32) of high byte
    /// 32h + r % 32; w = (d * scale) * (q - 32).
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src, 208)
        for h in 0..<2 {
            for r in stride(from: 0, to: 128, by: 16) {
                let low = (bytes(src, h * 64 + r % 64) &>> UInt8(4 * (r / 64))) & 0xF
                let high = (bytes(src, 128 + h * 32 + r % 32) &>> UInt8(2 * (r / 32))) & 3
                let scale = d * Float(src.load(fromByteOffset: 192 + (h * 128 + r) / 16, as: Int8.self))
                store(float(low | high &<< 4, minus: 32) * scale, dst, h * 128 + r)
            }
        }
    }
}
