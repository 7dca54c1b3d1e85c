import QuantKernels
import Tensor

/// Activations quantized for the fast GEMV: groups of 64 values with one fp32 scale each, int8 codes
/// stored per group as the 32 even-indexed values then the 32 odd-indexed ones, matching how the high
/// and low nibbles of 32 packed weight bytes separate. The AVX-512 kernel stores whole pairs of
/// groups as [even g, even g+1, odd g, odd g+1], so that one 64-byte load serves two groups.
struct Int8Activations {
    let codes: [Int8]
    let scales: [Float]
    /// AVX-512 kernel only (empty otherwise): eight int32 per group, lane j holding -128 times the sum
    /// of the codes it multiplies (even and odd codes 4j..<4j+4), the kernel's starting accumulator.
    let corrections: [Int32]

    /// Round-to-nearest int8 with scale max|x| / 127 per group of 64, in `kernel`'s layout; nil when x
    /// holds a NaN or an infinity, which int8 cannot carry.
    init?(_ x: UnsafePointer<Float>, count: Int, kernel: FastGEMVKernel) {
        precondition(count % 64 == 0, "Int8Activations: \(count) values is not a multiple of 64")
        let groups = count / 64
        var codes = [Int8](repeating: 0, count: count)
        var scales = [Float](repeating: 0, count: groups)
        var corrections = [Int32](repeating: 0, count: kernel.usesCorrections ? groups * 8 : 0)
        let finite = codes.withUnsafeMutableBufferPointer { c in
            scales.withUnsafeMutableBufferPointer { s in
                corrections.withUnsafeMutableBufferPointer { k in
                    kernel.quantize(x, groups: groups, codes: c.baseAddress!, scales: s.baseAddress!, corrections: k.baseAddress)
                }
            }
        }
        guard finite else { return nil }
        self.codes = codes
        self.scales = scales
        self.corrections = corrections
    }
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

    /// The integer kernel `gemvFast` runs in this process: AVX-512 VNNI on CPUs with it (Zen 4, Ice
    /// Lake server, Sapphire Rapids and later), AVX2 on Haswell-class ones, otherwise portable Swift
    /// (`FastGEMVKernel.selected`).
    public static var fastGEMVKernel: FastGEMVKernel { FastGEMVKernel.selected }

    /// y = W x, the fast path for decode: x is quantized to int8 in groups of 64 (scale max|x|/127),
    /// the 4-bit codes become int8 (code * 127, rounded) by a table lookup (`vpshufb` in the AVX2
    /// kernel, `vpermb` in the AVX-512 one), and each group is an integer multiply-add (`vpdpbusd` in
    /// the AVX-512 kernel), scaled by absmax * xscale / 127. The integer sums are exact in every kernel,
    /// so kernels differ from one another only in how the float accumulation rounds.
    ///
    /// Error against `gemvExact`: the int8 code book is off by at most 0.5/127 of the block absmax per
    /// weight and each activation by at most half its group's scale, so each product carries a relative
    /// error of roughly 0.4% + 0.4%; measured on [256, 1024] weights the RMS error of y is 0.6-0.8% of
    /// RMS(y) for NF4 and FP4 (the tests bound it at 1.5%), well below NF4's own quantization error.
    public func gemvFast(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        let kernel = Self.fastGEMVKernel
        guard supportsFastGEMV, let act = Int8Activations(x, count: cols, kernel: kernel) else { return gemvExact(x, y) }
        let table = quantType.int8Codebook
        let blockShift = blocksize.trailingZeroBitCount
        withKernelData { packed, scales in
            act.codes.withUnsafeBufferPointer { xq in
                act.corrections.withUnsafeBufferPointer { xc in
                    act.scales.withUnsafeBufferPointer { xs in
                        table.withUnsafeBufferPointer { tb in
                            let ops = Int8Operands(codes: xq.baseAddress!, corrections: xc.baseAddress, table: tb.baseAddress!,
                                                   groups: cols / 64)
                            let arguments = Int8GEMVArguments(packed: packed, cols: cols, scales: scales, blockShift: blockShift,
                                                              activations: ops, activationScales: xs.baseAddress!, y: y)
                            forRowChunks(rows, minimumChunk: 32) { kernel.gemvRows($0, arguments) }
                        }
                    }
                }
            }
        }
    }

    /// `gemvFast` for `m` vectors at once, y [m, rows] = x [m, cols] Wᵀ: one decoded token of each
    /// of several sequences. The weights stream from memory once for all m (`rowsBatch`) and each
    /// y row equals `gemvFast` of its x row. Falls back to `gemvFast` per row where that would
    /// fall back itself (unsupported shape, a non-finite activation).
    public func gemvFastBatch(_ x: UnsafePointer<Float>, m: Int, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        let kernel = Self.fastGEMVKernel
        let acts = supportsFastGEMV ? (0..<m).map { Int8Activations(x + $0 * cols, count: cols, kernel: kernel) } : []
        guard m > 1, acts.count == m, acts.allSatisfy({ $0 != nil }) else {
            for r in 0..<m { gemvFast(x + r * cols, y + r * rows) }
            return
        }
        let table = quantType.int8Codebook
        let blockShift = blocksize.trailingZeroBitCount
        let groups = cols / 64
        // The rows' activations side by side, so one buffer of each kind serves the whole batch.
        let codes = acts.flatMap { $0!.codes }, corrections = acts.flatMap { $0!.corrections }, scales = acts.flatMap { $0!.scales }
        let correctionsPerRow = corrections.count / m
        withKernelData { packed, blockScales in
            codes.withUnsafeBufferPointer { xq in
                corrections.withUnsafeBufferPointer { xc in
                    scales.withUnsafeBufferPointer { xs in
                        table.withUnsafeBufferPointer { tb in
                            let batch = (0..<m).map { b in
                                Int8GEMVArguments(packed: packed, cols: cols, scales: blockScales, blockShift: blockShift,
                                                  activations: Int8Operands(codes: xq.baseAddress! + b * cols,
                                                                            corrections: correctionsPerRow == 0 ? nil : xc.baseAddress! + b * correctionsPerRow,
                                                                            table: tb.baseAddress!, groups: groups),
                                                  activationScales: xs.baseAddress! + b * groups, y: y + b * rows)
                            }
                            batch.withUnsafeBufferPointer { args in forRowChunks(rows, minimumChunk: 32) { kernel.gemvBatchRows($0, args) } }
                        }
                    }
                }
            }
        }
    }
}
