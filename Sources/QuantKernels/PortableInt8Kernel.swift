/// The fast GEMV in plain Swift, for CPUs (and architectures) without the AVX2 or AVX-512 kernels.
public struct PortableInt8Kernel: Int8RowKernel {
    let scales: ScaleSource
    let blockShift: Int

    public init(scales: ScaleSource, blockShift: Int) { (self.scales, self.blockShift) = (scales, blockShift) }

    @inline(__always)
    public func groupScales(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        scales.groupScales(first: first, groups: groups, blockShift: blockShift, times: factor, into: out)
    }

    @inline(__always)
    public func rowDot(_ bytes: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float {
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

    @inline(__always)
    public func fourRowDot(_ bytes: UnsafePointer<UInt8>, laneStride: Int, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>,
                           _ y: UnsafeMutablePointer<Float>, yStride: Int) {
        for k in 0..<4 { y[k &* yStride] = rowDot(bytes + k &* laneStride, ops, groupScale + k &* ops.groups) }
    }

    /// y[r] for r in `range`.
    public static func gemvRows(_ range: Range<Int>, _ a: Int8GEMVArguments) {
        PortableInt8Kernel(scales: a.scales, blockShift: a.blockShift).rows(range, a)
    }

    public static func gemvBatchRows(_ range: Range<Int>, _ batch: UnsafeBufferPointer<Int8GEMVArguments>) {
        PortableInt8Kernel(scales: batch[0].scales, blockShift: batch[0].blockShift).rowsBatch(range, batch)
    }
}
