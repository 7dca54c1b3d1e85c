/// Raw-pointer view of a tensor's block scales, decoding double-quantized absmax on the fly so the
/// kernels never hold a dense fp32 copy of the scales.
struct ScaleSource {
    let plain: UnsafePointer<Float>?
    let codes: UnsafePointer<UInt8>?
    let nested: UnsafePointer<Float>?
    let map: UnsafePointer<Float>?
    let offset: Float
    let nestedShift: Int

    /// The fp32 absmax of block `i`, bit-identical to `BlockScales.decoded()[i]`.
    @inline(__always)
    func scale(_ i: Int) -> Float {
        if let plain { return plain[i] }
        return map![Int(codes![i])] * nested![i >> nestedShift] + offset
    }

    /// out[g] = factor[g] * the absmax of the block holding element `first + 64 g`, for `groups`
    /// groups: one row's scales for the fast GEMV, with the plain-or-double choice made once per row.
    @inline(__always)
    func groupScales(first: Int, groups: Int, blockShift: Int, times factor: UnsafePointer<Float>,
                     into out: UnsafeMutablePointer<Float>) {
        if let plain {
            for g in 0..<groups { out[g] = plain[(first &+ g &<< 6) &>> blockShift] * factor[g] }
        } else {
            let (map, codes, nested, offset, nestedShift) = (map!, codes!, nested!, offset, nestedShift)
            for g in 0..<groups {
                let b = (first &+ g &<< 6) &>> blockShift
                out[g] = (map[Int(codes[b])] * nested[b &>> nestedShift] + offset) * factor[g]
            }
        }
    }
}

extension QuantizedTensor {
    /// Runs `body` with pointers into the packed codes and a scale decoder.
    func withKernelData<R>(_ body: (UnsafePointer<UInt8>, ScaleSource) -> R) -> R {
        packed.withUnsafeBufferPointer { pp in
            switch scales {
            case .plain(let a):
                return a.withUnsafeBufferPointer {
                    body(pp.baseAddress!, ScaleSource(plain: $0.baseAddress!, codes: nil, nested: nil, map: nil, offset: 0, nestedShift: 0))
                }
            case .double(let codes, let nested, let offset, let nb, let map):
                precondition(nb > 0 && nb & (nb - 1) == 0, "QuantizedTensor: nested blocksize \(nb) is not a power of two")
                return codes.withUnsafeBufferPointer { cp in
                    nested.withUnsafeBufferPointer { np in
                        map.withUnsafeBufferPointer { mp in
                            body(pp.baseAddress!, ScaleSource(plain: nil, codes: cp.baseAddress!, nested: np.baseAddress!,
                                                              map: mp.baseAddress!, offset: offset, nestedShift: nb.trailingZeroBitCount))
                        }
                    }
                }
            }
        }
    }
}
