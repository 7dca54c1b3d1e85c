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
            // Map entries are copied as raw bits first, integer loads and stores only, so that the
            // arithmetic runs as a separate loop the compiler can vectorize.
            let (codes, nested, offset, nestedShift) = (codes!, nested!, offset, nestedShift)
            let mapBytes = UnsafeRawPointer(map!), outBytes = UnsafeMutableRawPointer(out)
            for g in 0..<groups {
                let code = Int(codes[(first &+ g &<< 6) &>> blockShift])
                outBytes.storeBytes(of: mapBytes.load(fromByteOffset: code &<< 2, as: UInt32.self), toByteOffset: g &<< 2, as: UInt32.self)
            }
            var g = 0
            while g < groups {
                // Groups sharing one nested absmax: a run the multiply-adds sweep as plain vectors.
                let n = ((first &+ g &<< 6) &>> blockShift) &>> nestedShift
                let runEnd = Swift.min(groups, (((n &+ 1) &<< (nestedShift &+ blockShift)) &- first) &>> 6)
                let scale = nested[n]
                for i in g..<runEnd { out[i] = (out[i] * scale + offset) * factor[i] }
                g = runEnd
            }
        }
    }
}

/// Decodes one row's group scales for the fast GEMV: `ScaleSource.groupScales`, or in the AVX-512
/// build, for double-quantized scales at blocksize 64, a byte-permute decoder over 64 blocks at a time.
struct GroupScaleDecoder {
    let source: ScaleSource
    let blockShift: Int
    /// The nested quant map as four planes of 256 bytes (plane p holds byte p of every entry), when the
    /// AVX-512 decoder applies.
    let mapPlanes: UnsafePointer<UInt8>?

    @inline(__always)
    func decode(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64) && QUANT_AVX512
        if let mapPlanes { return source.groupScalesAVX512(first: first, groups: groups, times: factor, into: out, mapPlanes: mapPlanes) }
        #endif
        source.groupScales(first: first, groups: groups, blockShift: blockShift, times: factor, into: out)
    }
}

extension ScaleSource {
    /// Runs `body` with the row scale decoder for blocks of `1 << blockShift` elements.
    func withGroupScaleDecoder<R>(blockShift: Int, _ body: (GroupScaleDecoder) -> R) -> R {
        #if arch(x86_64) && QUANT_AVX512
        // 16 consecutive blocks must span at most two nested blocks.
        if plain == nil, blockShift == 6, nestedShift >= 4 {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { planes in
                fillMapPlanes(planes.baseAddress!)
                return body(GroupScaleDecoder(source: self, blockShift: blockShift, mapPlanes: UnsafePointer(planes.baseAddress!)))
            }
        }
        #endif
        return body(GroupScaleDecoder(source: self, blockShift: blockShift, mapPlanes: nil))
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
