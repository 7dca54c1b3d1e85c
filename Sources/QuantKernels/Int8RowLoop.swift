/// What distinguishes one instruction set's fast GEMV: how it decodes a row's group scales and how
/// it dots packed rows with the quantized activations.
public protocol Int8RowKernel {
    /// out[g] = factor[g] * the absmax of the block holding element `first + 64 g`, g < groups.
    func groupScales(first: Int, groups: Int, times factor: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>)

    /// Σ_g groupScale[g] * Σ_i (table[hi(b_i)] * xq[i] + table[lo(b_i)] * xq[32 + i]) / 127 over the
    /// row's groups of 32 packed bytes (64 weights).
    func rowDot(_ bytes: UnsafePointer<UInt8>, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>) -> Float

    /// `rowDot` for the rows at `bytes + k laneStride`, k < 4, with scales at `groupScale + k groups`,
    /// into `y[k yStride]`.
    func fourRowDot(_ bytes: UnsafePointer<UInt8>, laneStride: Int, _ ops: Int8Operands, _ groupScale: UnsafePointer<Float>,
                    _ y: UnsafeMutablePointer<Float>, yStride: Int)
}

extension Int8RowKernel {
    /// y[r] for r in `range`, the rows one thread takes. Inlinable so that each kernel target
    /// specializes it for its kernel and compiles it for its instruction set.
    @inlinable @inline(__always)
    public func rows(_ range: Range<Int>, _ a: Int8GEMVArguments) {
        let (cols, groups, ops) = (a.cols, a.activations.groups, a.activations)
        let rowBytes = cols / 2
        // Heap, not `withUnsafeTemporaryAllocation`: above 1 KB (rows over 4096 weights) that runs its
        // body from a non-inlined generic function, where the kernels' intrinsics stayed calls and the
        // GEMV ran 15x slower.
        let groupScale = UnsafeMutablePointer<Float>.allocate(capacity: 4 * groups)
        defer { groupScale.deallocate() }
        func decode(_ r: Int, into lane: Int) {
            groupScales(first: r &* cols, groups: groups, times: a.activationScales, into: groupScale + lane &* groups)
        }
        // Four lanes walk four contiguous quarters of the chunk in step, sharing activation loads while
        // each reads one long sequential stream.
        let quarter = range.count / 4
        for i in 0..<quarter {
            let r = range.lowerBound &+ i
            for lane in 0..<4 { decode(r &+ lane &* quarter, into: lane) }
            fourRowDot(a.packed + r &* rowBytes, laneStride: quarter &* rowBytes, ops, groupScale, a.y + r, yStride: quarter)
        }
        for r in (range.lowerBound &+ 4 &* quarter)..<range.upperBound {
            decode(r, into: 0)
            a.y[r] = rowDot(a.packed + r &* rowBytes, ops, groupScale)
        }
    }
}
