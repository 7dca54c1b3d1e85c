import Tensor
import QuantKernels

extension QuantizedTensor {
    /// Rows and columns of a 2-D weight.
    var matrixShape: (rows: Int, cols: Int) {
        precondition(shape.count == 2, "QuantizedTensor: kernels need a 2-D weight, got shape \(shape)")
        return (shape[0], shape[1])
    }

    func tileDecoder(_ packed: UnsafePointer<UInt8>, _ scales: ScaleSource) -> TileDecoder {
        TileDecoder(packed: packed, scales: scales, code: quantType.codebook, cols: matrixShape.cols, blocksize: blocksize)
    }

    /// y = W x for W [rows, cols] (this tensor) and x [cols], the exact path.
    ///
    /// Each row is dequantized into a thread-local buffer of `cols` floats (code * absmax, the same
    /// values as `dequantized()`) and dotted with x, so the result equals dequantize-then-dot up to
    /// summation order; the dense W never exists. Rows are split over threads.
    public func gemvExact(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        withKernelData { packed, scales in
            let decoder = tileDecoder(packed, scales)
            forRowChunks(rows, minimumChunk: 16) { range in
                let row = UnsafeMutablePointer<Float>.allocate(capacity: cols)
                defer { row.deallocate() }
                for r in range {
                    decoder.decode(rows: r..<(r + 1), cols: 0, cols, into: row, ld: cols)
                    y[r] = dot(row, x, cols)
                }
            }
        }
    }
}

/// Dot product with two eight-lane accumulators. Multiply and add stay separate: on a baseline x86-64
/// target without FMA, Swift lowers a fused `addProduct` to a libm `fmaf` call per lane.
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
        i += 16
    }
    var s = (acc0 + acc1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
