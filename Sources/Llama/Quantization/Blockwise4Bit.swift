import Tensor

/// Block sizes bitsandbytes accepts for 4-bit quantization.
public let quantBlocksizes: Set<Int> = [32, 64, 128, 256, 512, 1024, 2048, 4096]

extension QuantizedTensor {
    /// Quantizes `values` (row-major, `shape`) exactly as bitsandbytes 0.50's CPU `quantize_4bit` does.
    ///
    /// Full blocks scale by the float32 reciprocal of their absmax (clamped to 1e-38), the last partial
    /// block divides by its own absmax, which is stored clamped; scaled values are clamped to [-1, 1]
    /// and bucketed against the code midpoints (ties to the lower code). With `doubleQuant` the absmax
    /// values minus their torch-ordered mean are quantized in blocks of 256 with the dynamic 8-bit map.
    ///
    /// FP4's two zero codes are chosen as the CPU quantizer chooses them, through the sorted code table
    /// rather than by sign: 0, -0.0 and tiny negatives get nibble 0, tiny positives nibble 8 (the CUDA
    /// kernel's `dQuantizeFP4` sets the sign bit for x < 0 instead, so GPU-quantized FP4 differs there).
    ///
    /// `torchThreads` is the torch thread count of the bitsandbytes run to match: with more than 32768
    /// blocks torch sums the absmax in per-thread chunks, which can move the mean (the offset) by an ulp.
    public init(quantizing values: UnsafeBufferPointer<Float>, shape: [Int], quantType: QuantType,
                blocksize: Int = 64, doubleQuant: Bool = true, torchThreads: Int = 1) {
        precondition(quantBlocksizes.contains(blocksize), "quantize: blocksize \(blocksize) is not a power of two in 32...4096")
        let n = shape.reduce(1, *)
        precondition(values.count == n, "quantize: \(values.count) values for shape \(shape)")
        let blocks = (n + blocksize - 1) / blocksize
        let full = n / blocksize
        var absmax = [Float](repeating: 0, count: blocks)
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        let bounds = quantType.boundaries
        let order = quantType.sortedOrder
        let padCode: UInt8 = bounds.withUnsafeBufferPointer { order[QuantType.bucket(0, boundaries: $0.baseAddress!)] }
        bounds.withUnsafeBufferPointer { bp in
            order.withUnsafeBufferPointer { op in
                absmax.withUnsafeMutableBufferPointer { ap in
                    packed.withUnsafeMutableBufferPointer { pp in
                        let b = bp.baseAddress!, o = op.baseAddress!
                        Parallel.forRanges(blocks, minimumPerThread: 256) { range in
                            for blk in range {
                                let lo = blk * blocksize, hi = min(n, lo + blocksize)
                                var m: Float = 0
                                for i in lo..<hi { m = Swift.max(m, abs(values[i])) }
                                let isFull = blk < full
                                let clamped = Swift.max(m, 1e-38)
                                ap[blk] = isFull ? m : clamped
                                let r = 1 / clamped
                                for i in lo..<hi {
                                    let s = isFull ? values[i] * r : values[i] / clamped
                                    let code = o[QuantType.bucket(Swift.min(Swift.max(s, -1), 1), boundaries: b)]
                                    if i & 1 == 0 {
                                        pp[i >> 1] = code << 4 | (i + 1 == n ? padCode : 0)
                                    } else {
                                        pp[i >> 1] |= code
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let scales: BlockScales
        if doubleQuant {
            let offset = absmax.withUnsafeBufferPointer { TorchSum.mean($0, threads: torchThreads) }
            let map = DynamicMap.signed8Bit
            let (codes, nested) = Blockwise8Bit.quantize(absmax.map { $0 - offset }, code: map, blocksize: 256)
            scales = .double(codes: codes, nestedAbsmax: nested, offset: offset, nestedBlocksize: 256, nestedQuantMap: map)
        } else {
            scales = .plain(absmax)
        }
        self.init(shape: shape, quantType: quantType, blocksize: blocksize, packed: packed, scales: scales)
    }

    /// Quantizes a tensor (any rank; blocks run over its row-major flattening).
    public init(quantizing t: Tensor, quantType: QuantType, blocksize: Int = 64, doubleQuant: Bool = true) {
        let c = t.contiguous()
        self = c.withUnsafeBufferPointer {
            QuantizedTensor(quantizing: $0, shape: t.shape, quantType: quantType, blocksize: blocksize, doubleQuant: doubleQuant)
        }
    }

    /// The dense values, as bitsandbytes' CPU `dequantize_4bit` gives them: code * absmax in float32.
    /// Its C kernel (used when the last dimension is even) decodes FP4 nibble 8 as -0.0 where the torch
    /// fallback and the stored `quant_map` have +0.0; this follows the same split.
    public func dequantized() -> Tensor {
        let n = count
        let out = Tensor(zeros: shape)
        let absmax = scales.decoded()
        var code = quantType.codebook
        if quantType == .fp4, (shape.last ?? 1) % 2 == 0 { code[8] = -0.0 }
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                let byte = packed[i >> 1]
                let nib = i & 1 == 0 ? byte >> 4 : byte & 0xF
                dst[i] = code[Int(nib)] * absmax[i / blocksize]
            }
        }
        return out
    }
}
