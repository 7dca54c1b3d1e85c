/// Raw-pointer view of a tensor's block scales, decoding double-quantized absmax on the fly so the
/// kernels never hold a dense fp32 copy of the scales.
public struct ScaleSource {
    public let plain: UnsafePointer<Float>?
    public let codes: UnsafePointer<UInt8>?
    public let nested: UnsafePointer<Float>?
    public let map: UnsafePointer<Float>?
    public let offset: Float
    public let nestedShift: Int

    /// Plain fp32 absmax (`plain`), or double-quantized: absmax[i] = map[codes[i]] * nested[i >> nestedShift] + offset.
    public init(plain: UnsafePointer<Float>?, codes: UnsafePointer<UInt8>?, nested: UnsafePointer<Float>?, map: UnsafePointer<Float>?,
                offset: Float, nestedShift: Int) {
        (self.plain, self.codes, self.nested, self.map, self.offset, self.nestedShift) = (plain, codes, nested, map, offset, nestedShift)
    }

    /// The fp32 absmax of block `i`, bit-identical to `BlockScales.decoded()[i]`.
    @inlinable @inline(__always)
    public func scale(_ i: Int) -> Float {
        if let plain { return plain[i] }
        return map![Int(codes![i])] * nested![i >> nestedShift] + offset
    }

    /// out[g] = factor[g] * the absmax of the block holding element `first + 64 g`, for `groups`
    /// groups: one row's scales for the fast GEMV, with the plain-or-double choice made once per row.
    /// Inlinable so that each kernel target compiles it for its own instruction set.
    @inlinable @inline(__always)
    public func groupScales(first: Int, groups: Int, blockShift: Int, times factor: UnsafePointer<Float>,
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
