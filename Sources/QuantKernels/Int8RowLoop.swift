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

    /// `rows` for several activation vectors sharing one weight matrix (one decoded token of each of
    /// several sequences): each lane's weight bytes are read from memory once and dotted with every
    /// vector while they sit in L1, so a batch costs about one GEMV's memory traffic. Every y[r] is
    /// computed exactly as `rows` computes it for that vector alone.
    @inlinable @inline(__always)
    public func rowsBatch(_ range: Range<Int>, _ batch: UnsafeBufferPointer<Int8GEMVArguments>) {
        guard let first = batch.first else { return }
        let (cols, groups) = (first.cols, first.activations.groups)
        let rowBytes = cols / 2
        // Each lane's block absmax is decoded once (times 1) and scaled per vector, the product
        // `groupScales` forms.
        let ones = UnsafeMutablePointer<Float>.allocate(capacity: groups)
        ones.initialize(repeating: 1, count: groups)
        let absmax = UnsafeMutablePointer<Float>.allocate(capacity: 4 * groups)
        let groupScale = UnsafeMutablePointer<Float>.allocate(capacity: 4 * groups)
        defer {
            ones.deallocate()
            absmax.deallocate()
            groupScale.deallocate()
        }
        @inline(__always) func scale(_ lanes: Int, by factor: UnsafePointer<Float>) {
            for lane in 0..<lanes {
                for g in 0..<groups { groupScale[lane &* groups &+ g] = absmax[lane &* groups &+ g] * factor[g] }
            }
        }
        let quarter = range.count / 4
        for i in 0..<quarter {
            let r = range.lowerBound &+ i
            for lane in 0..<4 { groupScales(first: (r &+ lane &* quarter) &* cols, groups: groups, times: ones, into: absmax + lane &* groups) }
            for a in batch {
                scale(4, by: a.activationScales)
                fourRowDot(a.packed + r &* rowBytes, laneStride: quarter &* rowBytes, a.activations, groupScale, a.y + r, yStride: quarter)
            }
        }
        for r in (range.lowerBound &+ 4 &* quarter)..<range.upperBound {
            groupScales(first: r &* cols, groups: groups, times: ones, into: absmax)
            for a in batch {
                scale(1, by: a.activationScales)
                a.y[r] = rowDot(a.packed + r &* rowBytes, a.activations, groupScale)
            }
        }
    }
}
