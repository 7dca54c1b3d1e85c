import CBLAS
import Tensor

extension QuantizedTensor {
    /// Floats per dequantized panel: 4 MiB, which stays in L3 while sgemm streams the activation rows
    /// past it. 1 MiB panels (64 rows of 4096) left sgemm too narrow an N: NF4 GEMM at M=256 took 66 ms
    /// against sgemm's 46; 4 MiB panels take 51 ms, and 8 MiB gained little more.
    static let panelFloats = 1 << 20

    /// Y [m, rows] = X [m, cols] · Wᵀ (prefill and training forward).
    ///
    /// W is dequantized a panel of rows at a time into a cache-sized buffer and each panel goes to
    /// `cblas_sgemm` once, so it is reused across all m activation rows; the dense W never exists.
    public func gemm(_ x: UnsafePointer<Float>, m: Int, _ y: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        guard m > 0, rows > 0, cols > 0 else { return }
        let panelRows = Swift.max(1, Swift.min(rows, Self.panelFloats / cols))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: panelRows * cols)
        defer { panel.deallocate() }
        withKernelData { packed, scales in
            let decoder = tileDecoder(packed, scales)
            var r0 = 0
            while r0 < rows {
                let p = Swift.min(panelRows, rows - r0)
                let base = r0
                Parallel.forRanges(p, minimumPerThread: 4) { range in
                    decoder.decode(rows: (base + range.lowerBound)..<(base + range.upperBound), cols: 0, cols,
                                   into: panel + range.lowerBound * cols, ld: cols)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(p), Int32(cols),
                            1, x, Int32(cols), panel, Int32(cols), 0, y + r0, Int32(rows))
                r0 += p
            }
        }
    }

    /// dX [m, cols] = dY [m, rows] · W (the input gradient of y = x Wᵀ, QLoRA's backward).
    ///
    /// W is dequantized a strip of columns at a time ([rows, c] panels) so every strip of dX is written
    /// once by one `cblas_sgemm`; the dense W never exists.
    public func gemmTransposed(_ dy: UnsafePointer<Float>, m: Int, _ dx: UnsafeMutablePointer<Float>) {
        let (rows, cols) = matrixShape
        guard m > 0, rows > 0, cols > 0 else { return }
        let stripCols = Swift.max(64, Swift.min(cols, (Self.panelFloats / rows) / 64 * 64))
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: rows * stripCols)
        defer { panel.deallocate() }
        withKernelData { packed, scales in
            let decoder = tileDecoder(packed, scales)
            var c0 = 0
            while c0 < cols {
                let c = Swift.min(stripCols, cols - c0)
                let start = c0
                Parallel.forRanges(rows, minimumPerThread: 16) { range in
                    decoder.decode(rows: range, cols: start, start + c, into: panel + range.lowerBound * c, ld: c)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(c), Int32(rows),
                            1, dy, Int32(rows), panel, Int32(c), 0, dx + c0, Int32(cols))
                c0 += c
            }
        }
    }
}
