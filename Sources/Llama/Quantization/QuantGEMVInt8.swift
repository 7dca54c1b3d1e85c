import Tensor

/// Activations quantized for the fast GEMV: groups of 64 values with one fp32 scale each, int8 codes
/// stored per group as the 32 even-indexed values then the 32 odd-indexed ones, matching how the high
/// and low nibbles of 32 packed weight bytes separate. The AVX-512 build stores whole pairs of groups
/// as [even g, even g+1, odd g, odd g+1], so that one 64-byte load serves two groups.
struct Int8Activations {
    let codes: [Int8]
    let scales: [Float]
    /// AVX-512 build only (empty otherwise): eight int32 per group, lane j holding -128 times the sum
    /// of the codes it multiplies (even and odd codes 4j..<4j+4), the kernel's starting accumulator.
    let corrections: [Int32]

    /// Round-to-nearest int8 with scale max|x| / 127 per group of 64; nil when x holds a NaN or an
    /// infinity, which int8 cannot carry.
    init?(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % 64 == 0, "Int8Activations: \(count) values is not a multiple of 64")
        let groups = count / 64
        var codes = [Int8](repeating: 0, count: count)
        var scales = [Float](repeating: 0, count: groups)
        #if arch(x86_64) && QUANT_AVX512
        var corrections = [Int32](repeating: 0, count: groups * 8)
        let finite = codes.withUnsafeMutableBufferPointer { c in
            scales.withUnsafeMutableBufferPointer { s in
                corrections.withUnsafeMutableBufferPointer { k in
                    quantizeActivationsAVX512(x, groups: groups, codes: c.baseAddress!, scales: s.baseAddress!, corrections: k.baseAddress!)
                }
            }
        }
        guard finite else { return nil }
        self.corrections = corrections
        #else
        for g in 0..<groups {
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
        self.corrections = []
        #endif
        self.codes = codes
        self.scales = scales
    }

    /// Where group g's 32 even and 32 odd codes start.
    static func offsets(group g: Int, groups: Int) -> (even: Int, odd: Int) {
        #if arch(x86_64) && QUANT_AVX512
        if g | 1 < groups {
            let pair = (g / 2) * 128, half = (g & 1) * 32
            return (pair + half, pair + 64 + half)
        }
        #endif
        return (g * 64, g * 64 + 32)
    }
}

/// Raw pointers into one call's quantized activations and the weight code book, for the row kernels.
struct Int8Operands {
    let codes: UnsafePointer<Int8>
    let corrections: UnsafePointer<Int32>?
    let table: UnsafePointer<Int8>
    let groups: Int
}

extension QuantType {
    /// The code book scaled by 127 and rounded to int8, for the integer fast path.
    var int8Codebook: [Int8] {
        switch self {
        case .nf4: return Self.nf4Int8
        case .fp4: return Self.fp4Int8
        }
    }

    private static let nf4Int8 = QuantType.nf4.codebook.map { Int8(($0 * 127).rounded(.toNearestOrEven)) }
    private static let fp4Int8 = QuantType.fp4.codebook.map { Int8(($0 * 127).rounded(.toNearestOrEven)) }
}

extension QuantizedTensor {
    /// True when `gemvFast` runs the integer kernel (rows a multiple of 64 long, blocks at least 64);
    /// otherwise, and for activations holding NaN or infinity, it falls back to `gemvExact`.
    public var supportsFastGEMV: Bool { matrixShape.cols % 64 == 0 && blocksize >= 64 }

    /// The integer kernel this build carries: AVX-512 VNNI with `-Xswiftc -DQUANT_AVX512` and a target
    /// CPU that has it (`-target-cpu znver4`, `icelake-server`, `sapphirerapids`), AVX2 with
    /// `-Xswiftc -DQUANT_AVX2` and an AVX2 target CPU, otherwise portable Swift.
    public static var fastGEMVKernel: FastGEMVKernel {
        #if arch(x86_64) && QUANT_AVX512
        return .avx512
        #elseif arch(x86_64) && QUANT_AVX2
        return .avx2
        #else
        return .portable
        #endif
    }

    /// y = W x, the fast path for decode: x is quantized to int8 in groups of 64 (scale max|x|/127),
    /// the 4-bit codes become int8 (code * 127, rounded) by a table lookup (`vpshufb` in the AVX2
    /// build, `vpermb` in the AVX-512 one), and each group is an integer multiply-add (`vpdpbusd` in
    /// the AVX-512 build), scaled by absmax * xscale / 127. The integer sums are exact in every build,
    /// so builds differ from one another only in how the float accumulation rounds.
    ///
    /// Error against `gemvExact`: the int8 code book is off by at most 0.5/127 of the block absmax per
    /// weight and each activation by at most half its group's scale, so each product carries a relative
    /// error of roughly 0.4% + 0.4%; measured on [256, 1024] weights the RMS error of y is 0.6-0.8% of
    /// RMS(y) for NF4 and FP4 (the tests bound it at 1.5%), well below NF4's own quantization error.
    public func gemvFast(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        guard supportsFastGEMV, let act = Int8Activations(x, count: cols) else { return gemvExact(x, y) }
        let table = quantType.int8Codebook
        let groups = cols / 64, rowBytes = cols / 2
        withKernelData { packed, scales in
            scales.withGroupScaleDecoder(blockShift: blocksize.trailingZeroBitCount) { scaleDecoder in
                act.codes.withUnsafeBufferPointer { xq in
                    act.corrections.withUnsafeBufferPointer { xc in
                        act.scales.withUnsafeBufferPointer { xs in
                            table.withUnsafeBufferPointer { tb in
                                let ops = Int8Operands(codes: xq.baseAddress!, corrections: xc.baseAddress, table: tb.baseAddress!,
                                                       groups: groups)
                                forRowChunks(rows, minimumChunk: 32) { range in
                                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * groups) { gs in
                                        let groupScale = gs.baseAddress!
                                        func decode(_ r: Int, into lane: Int) {
                                            scaleDecoder.decode(first: r &* cols, groups: groups, times: xs.baseAddress!,
                                                                into: groupScale + lane &* groups)
                                        }
                                        // Four lanes walk four contiguous quarters of the chunk in step, sharing
                                        // activation loads while each reads one long sequential stream.
                                        let quarter = range.count / 4
                                        for i in 0..<quarter {
                                            let r = range.lowerBound &+ i
                                            for lane in 0..<4 { decode(r &+ lane &* quarter, into: lane) }
                                            int8FourRowDot(packed + r &* rowBytes, laneStride: quarter &* rowBytes, ops, groupScale,
                                                           y + r, yStride: quarter)
                                        }
                                        for r in (range.lowerBound &+ 4 &* quarter)..<range.upperBound {
                                            decode(r, into: 0)
                                            y[r] = int8RowDot(packed + r &* rowBytes, ops, groupScale)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The integer GEMV kernel a build carries (see `QuantizedTensor.fastGEMVKernel`).
public enum FastGEMVKernel: String, Sendable {
    case portable
    case avx2 = "AVX2"
    case avx512 = "AVX-512 VNNI"
}

#if !(arch(x86_64) && (QUANT_AVX2 || QUANT_AVX512))
/// Σ_g groupScale[g] * Σ_i (table[hi(b_i)] * xq[i] + table[lo(b_i)] * xq[32 + i]) / 127 over the row's
/// groups of 32 packed bytes (64 weights).
@inline(__always)
func int8RowDot(_ bytes: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float {
    let (table, xq) = (ops.table, ops.codes)
    var acc: Float = 0
    for g in 0..<ops.groups {
        let b = bytes + g &* 32, x = xq + g &* 64
        var isum: Int32 = 0
        for i in 0..<32 {
            isum &+= Int32(table[Int(b[i] >> 4)]) &* Int32(x[i]) &+ Int32(table[Int(b[i] & 0xF)]) &* Int32(x[32 + i])
        }
        acc += Float(isum) * groupScale[g]
    }
    return acc / 127
}

/// `int8RowDot` for the rows at `bytes + k laneStride`, k < 4, with scales at `groupScale + k groups`,
/// into `y[k yStride]`.
@inline(__always)
func int8FourRowDot(_ bytes: UnsafePointer<UInt8>, laneStride: Int, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, yStride: Int) {
    for k in 0..<4 { y[k &* yStride] = int8RowDot(bytes + k &* laneStride, ops, groupScale + k &* ops.groups) }
}
#endif
