import CBLAS
import Tensor

/// A frozen linear layer y = x Wᵀ whose weight [out, in] stays in its GGUF blocks in the mapped file.
///
/// Every row of a block-format weight is a whole number of blocks, so the rows can be taken in any
/// order without touching the data: `rowOrder` names the stored row behind each output row, which is
/// how q/k keep the loader's interleaved-to-rotate-half reorder. Products use the values
/// `GGUFTensorType.dequantize` gives: one input row runs a GEMV that dots the blocks directly (Q4_0,
/// Q4_1, Q8_0) or each decoded row (other types) in float32, equal to the dequantized-weight GEMV up
/// to summation order; more rows dequantize panels of rows and hand each to `cblas_sgemm` once.
public struct GGUFLinear: FrozenLinear {
    /// The file, kept mapped while the layer lives.
    public let file: GGUFFile
    /// The stored tensor.
    public let info: GGUFFile.TensorInfo
    /// Output row r is stored row `rowOrder[r]`.
    public let rowOrder: [Int]

    /// The tensor `name` of `file`, output rows taken in `rowOrder` (stored order when nil). Throws
    /// naming the tensor when it is missing, not 2-D or of a type without a decoder.
    public init(file: GGUFFile, tensor name: String, rowOrder: [Int]? = nil) throws {
        let info = try file.blockInfo(name)
        guard info.shape.count == 2 else {
            throw FormatError(file: file.path, field: name, message: "a linear layer needs a 2-D weight, got shape \(info.shape)")
        }
        if let rowOrder {
            precondition(rowOrder.count == info.shape[0] && Set(rowOrder) == Set(0..<info.shape[0]),
                         "GGUFLinear: rowOrder is not a permutation of the \(info.shape[0]) rows of \(name)")
        }
        self.file = file
        self.info = info
        self.rowOrder = rowOrder ?? Array(0..<info.shape[0])
    }

    public var outFeatures: Int { info.shape[0] }
    public var inFeatures: Int { info.shape[1] }
    var rowBytes: Int { info.type.rowBytes(inFeatures)! }
    /// Floats per dequantized panel, as `QuantizedTensor.panelFloats` (4 MiB, kept in L3 while sgemm
    /// streams the activations past it).
    static let panelFloats = 1 << 20

    /// The weight as `GGUFFile.tensor` dequantizes it, rows in `rowOrder`.
    public func dequantized() -> Tensor {
        let out = Tensor(zeros: [outFeatures, inFeatures])
        out.withUnsafeMutableBufferPointer { decodeRows(0..<outFeatures, into: $0.baseAddress!) }
        return out
    }

    /// Output rows `rows` decoded into consecutive rows of `dst`, split over threads.
    func decodeRows(_ rows: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
        let base = file.data(info), type = info.type, stride = rowBytes, cols = inFeatures
        let blocks = cols / type.blockSize
        rowOrder.withUnsafeBufferPointer { order in
            Parallel.forRanges(rows.count, minimumPerThread: Swift.max(1, 16384 / cols)) { range in
                for i in range {
                    type.dequantize(blocks: blocks, from: base + order[rows.lowerBound + i] * stride, into: dst + i * cols)
                }
            }
        }
    }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == inFeatures,
                     "GGUFLinear.forward: input \(x.shape) does not end in \(inFeatures) (\(info.name) \(info.shape))")
        let m = x.count / inFeatures, rows = outFeatures, cols = inFeatures
        let xc = x.contiguous()
        let y = Tensor(zeros: Array(x.shape.dropLast()) + [rows])
        xc.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if m == 1 { gemv(xp.baseAddress!, yp.baseAddress!); return }
                forEachPanel { r0, p, panel in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(p), Int32(cols),
                                1, xp.baseAddress!, Int32(cols), panel, Int32(cols), 0, yp.baseAddress! + r0, Int32(rows))
                }
            }
        }
        return y
    }

    /// dX = dY W, accumulated over panels of rows (each block row decodes whole, so panels span all columns).
    public func backwardInput(_ dy: Tensor) -> Tensor {
        precondition(dy.rank >= 1 && dy.shape.last == outFeatures,
                     "GGUFLinear.backwardInput: gradient \(dy.shape) does not end in \(outFeatures) (\(info.name) \(info.shape))")
        let m = dy.count / outFeatures, rows = outFeatures, cols = inFeatures
        let dyc = dy.contiguous()
        let dx = Tensor(zeros: Array(dy.shape.dropLast()) + [cols])
        dyc.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { xp in
                forEachPanel { r0, p, panel in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(cols), Int32(p),
                                1, gp.baseAddress! + r0, Int32(rows), panel, Int32(cols), r0 == 0 ? 0 : 1, xp.baseAddress!, Int32(cols))
                }
            }
        }
        return dx
    }

    /// Calls `body(firstRow, rowCount, panel)` for consecutive panels of decoded rows.
    func forEachPanel(_ body: (Int, Int, UnsafePointer<Float>) -> Void) {
        let rows = outFeatures, cols = inFeatures
        guard rows > 0, cols > 0 else { return }
        let panelRows = Swift.max(1, Swift.min(rows, Self.panelFloats / cols))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: panelRows * cols)
        defer { panel.deallocate() }
        var r0 = 0
        while r0 < rows {
            let p = Swift.min(panelRows, rows - r0)
            decodeRows(r0..<(r0 + p), into: panel)
            body(r0, p, panel)
            r0 += p
        }
    }

    /// y = W x for one input row, rows split over threads.
    public func gemv(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        rowOrder.withUnsafeBufferPointer { order in
            Self.gemv(type: info.type, blocks: file.data(info), rowOrder: order.baseAddress!, rows: outFeatures, cols: inFeatures, x, y)
        }
    }

    /// y[r] = W[rowOrder[r]] · x for `rows` block rows of `cols` elements of `type` stored back to back
    /// at `blocks` (the kernel of `gemv`, on any buffer, so the benchmark can run it on synthetic rows).
    static func gemv(type: GGUFTensorType, blocks base: UnsafeRawPointer, rowOrder order: UnsafePointer<Int>, rows: Int, cols: Int,
                     _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let stride = type.rowBytes(cols)!, blocks = cols / type.blockSize
        forRowChunks(rows, minimumChunk: Swift.max(1, 8192 / cols)) { range in
            @inline(__always) func rowsDotted(_ dot: (UnsafeRawPointer) -> Float) {
                for r in range { y[r] = dot(base + order[r] * stride) }
            }
            switch type {
            case .q4_0: rowsDotted { GGUFDot.q4_0($0, x, blocks: blocks) }
            case .q4_1: rowsDotted { GGUFDot.q4_1($0, x, blocks: blocks) }
            case .q8_0: rowsDotted { GGUFDot.q8_0($0, x, blocks: blocks) }
            default:
                let row = UnsafeMutablePointer<Float>.allocate(capacity: cols)
                defer { row.deallocate() }
                rowsDotted { type.dequantize(blocks: blocks, from: $0, into: row); return dot(row, x, cols) }
            }
        }
    }
}

/// Dot products of one block row with a float32 vector, each weight formed exactly as the block
/// decoder forms it (so only the summation order differs from dequantize-then-dot).
enum GGUFDot {
    typealias Lanes = SIMD16<Float>

    @inline(__always) static func x(_ x: UnsafePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
    }

    static func q4_0(_ row: UnsafeRawPointer, _ xs: UnsafePointer<Float>, blocks: Int) -> Float {
        var a0 = Lanes(), a1 = Lanes()
        for b in 0..<blocks {
            let p = row + b * 18, d = GGUFBlocks.half(p, 0), q = GGUFBlocks.bytes(p, 2)
            a0 += GGUFBlocks.float(q & 0xF, minus: 8) * d * x(xs, 32 * b)
            a1 += GGUFBlocks.float(q &>> 4, minus: 8) * d * x(xs, 32 * b + 16)
        }
        return (a0 + a1).sum()
    }

    static func q4_1(_ row: UnsafeRawPointer, _ xs: UnsafePointer<Float>, blocks: Int) -> Float {
        var a0 = Lanes(), a1 = Lanes()
        for b in 0..<blocks {
            let p = row + b * 20, d = GGUFBlocks.half(p, 0), m = GGUFBlocks.half(p, 2), q = GGUFBlocks.bytes(p, 4)
            a0 += (GGUFBlocks.float(q & 0xF) * d + m) * x(xs, 32 * b)
            a1 += (GGUFBlocks.float(q &>> 4) * d + m) * x(xs, 32 * b + 16)
        }
        return (a0 + a1).sum()
    }

    static func q8_0(_ row: UnsafeRawPointer, _ xs: UnsafePointer<Float>, blocks: Int) -> Float {
        var a0 = Lanes(), a1 = Lanes()
        for b in 0..<blocks {
            let p = row + b * 34, d = GGUFBlocks.half(p, 0)
            a0 += GGUFBlocks.float(p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)) * d * x(xs, 32 * b)
            a1 += GGUFBlocks.float(p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)) * d * x(xs, 32 * b + 16)
        }
        return (a0 + a1).sum()
    }
}
