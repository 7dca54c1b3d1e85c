import CBLAS
import Dispatch

/// How a 2-D strided view is handed to BLAS without a copy: row-major with a leading dimension,
/// either as is or transposed.
struct BLASOperand {
    let pointer: UnsafePointer<Float>
    let transposed: Bool
    let leadingDimension: Int

    /// `nil` when the view's strides do not fit BLAS (then the caller copies it dense first).
    init?(_ t: Tensor, rows: Int, cols: Int, rowStride: Int, colStride: Int, offset: Int) {
        pointer = UnsafePointer(t.storage.pointer + offset)
        if colStride == 1 || cols == 1, rowStride >= Swift.max(cols, 1) || rows == 1 {
            transposed = false
            leadingDimension = Swift.max(rows == 1 ? cols : rowStride, 1)
        } else if rowStride == 1 || rows == 1, colStride >= Swift.max(rows, 1) || cols == 1 {
            transposed = true
            leadingDimension = Swift.max(cols == 1 ? rows : colStride, 1)
        } else {
            return nil
        }
    }
}

extension Tensor {
    /// Matrix product with NumPy semantics for the batch dimensions: `[..., M, K] x [..., K, N]`.
    /// A 1-D right operand is treated as a column vector and its axis dropped from the result.
    /// Transposed and sliced views go to BLAS through its transpose flags and leading dimensions,
    /// not through copies; a single row (M = 1) uses `sgemv`. A contiguous batch of single rows
    /// `[..., 1, K]` (one token of each of several sequences) times a 2-D `[K, N]` is one GEMM
    /// over the rows, not one GEMV per sequence. Batches of longer matrices stay one product per
    /// matrix, so a row's result never depends on the rows batched with it.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul: shapes \(shape) and \(other.shape) need rank >= 1")
        if other.rank == 1 {
            return matmul(other.unsqueezed(1)).squeezed(-1)
        }
        if rank == 1 {
            return unsqueezed(0).matmul(other).squeezed(-2)
        }
        let m = shape[rank - 2], k = shape[rank - 1]
        let k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        precondition(k == k2, "matmul: inner dimensions differ, \(shape) x \(other.shape)")
        if m == 1 && rank > 2 && other.rank == 2 && isContiguous && count > 0 {
            return reshaped([count / k, k]).matmul(other).reshaped(Array(shape.dropLast()) + [n])
        }
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            preconditionFailure("matmul: batch dimensions of \(shape) and \(other.shape) do not broadcast")
        }
        let a = expanded(to: batch + [m, k]), b = other.expanded(to: batch + [k, n])
        let out = Tensor(uninitialized: batch + [m, n])
        let batches = Shape.count(batch)
        if batches == 0 || m == 0 || n == 0 { return out }
        let aBatchStrides = Array(a.strides.dropLast(2)), bBatchStrides = Array(b.strides.dropLast(2))
        for i in 0..<batches {
            var rem = i, offA = a.offset, offB = b.offset
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                let idx = rem % batch[d]
                rem /= batch[d]
                offA += idx * aBatchStrides[d]
                offB += idx * bBatchStrides[d]
            }
            Tensor.gemm(a, offA, b, offB, m: m, n: n, k: k, into: out.storage.pointer + i * m * n)
        }
        return out
    }

    /// One `[m, k] x [k, n]` product written densely to `c`.
    static func gemm(_ a: Tensor, _ offA: Int, _ b: Tensor, _ offB: Int, m: Int, n: Int, k: Int,
                     into c: UnsafeMutablePointer<Float>) {
        let ra = a.rank, rb = b.rank
        let opA = BLASOperand(a, rows: m, cols: k, rowStride: a.strides[ra - 2], colStride: a.strides[ra - 1], offset: offA)
        let opB = BLASOperand(b, rows: k, cols: n, rowStride: b.strides[rb - 2], colStride: b.strides[rb - 1], offset: offB)
        guard let opA, let opB else {
            // Strides BLAS cannot take (for example a stride-0 broadcast row): copy the 2-D slices.
            let da = Tensor(storage: a.storage, shape: [m, k], strides: [a.strides[ra - 2], a.strides[ra - 1]], offset: offA).contiguous()
            let db = Tensor(storage: b.storage, shape: [k, n], strides: [b.strides[rb - 2], b.strides[rb - 1]], offset: offB).contiguous()
            gemm(da, da.offset, db, db.offset, m: m, n: n, k: k, into: c)
            return
        }
        if k == 0 {
            c.update(repeating: 0, count: m * n)
            return
        }
        if m == 1 {
            // y[n] = B^T x: sgemv over B as stored.
            let x = opA.pointer
            let incX = opA.transposed ? opA.leadingDimension : 1
            if opB.transposed {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, opB.pointer, Int32(opB.leadingDimension), x, Int32(incX), 0, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, opB.pointer, Int32(opB.leadingDimension), x, Int32(incX), 0, c, 1)
            }
            return
        }
        let columnChunks = ColumnSplit.chunks(m: m, n: n, k: k)
        if columnChunks <= 1 {
            sgemm(opA, opB, m: m, n: n, k: k, columns: 0..<n, into: c)
            return
        }
        Parallel.forChunks(n, chunks: columnChunks) { columns in
            sgemm(opA, opB, m: m, n: n, k: k, columns: columns, into: c)
        }
    }

    /// Columns `columns` of the `[m, n]` product, written into the dense `c` (leading dimension n).
    /// B's pointer and C's move to the first column; the leading dimensions stay those of the full
    /// matrices, so a column block needs no copy.
    @inline(__always)
    static func sgemm(_ opA: BLASOperand, _ opB: BLASOperand, m: Int, n: Int, k: Int, columns: Range<Int>,
                      into c: UnsafeMutablePointer<Float>) {
        let first = columns.lowerBound
        let b = opB.transposed ? opB.pointer + first * opB.leadingDimension : opB.pointer + first
        cblas_sgemm(CblasRowMajor, opA.transposed ? CblasTrans : CblasNoTrans, opB.transposed ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(columns.count), Int32(k), 1, opA.pointer, Int32(opA.leadingDimension),
                    b, Int32(opB.leadingDimension), 0, c + first, Int32(n))
    }
}

/// When a wide product is cut into column blocks, one `sgemm` per core.
///
/// OpenBLAS parallelises a product itself, but on skinny shapes (few rows, tens of thousands of
/// columns, such as logits over a vocabulary) it can stay on one core; then independent column
/// blocks on every core are up to `Parallel.threads` times faster. Where OpenBLAS does use every
/// core, the split measured the same as one call (tensor-bench in Benchmarks/ measures both
/// cases). OpenBLAS's own thread count is left alone: it is process-wide.
public enum ColumnSplit {
    /// Fewest columns worth a block of their own.
    nonisolated(unsafe) public static var minimumColumns = 2048
    /// Fewest multiply-adds (m * n * k) worth splitting.
    nonisolated(unsafe) public static var minimumWork = 1 << 24

    /// Number of column blocks for an `[m, k] x [k, n]` product: 1 unless N is wide and far larger than M.
    public static func chunks(m: Int, n: Int, k: Int) -> Int {
        let threads = Parallel.threads
        guard threads > 1, n >= 4 * m, n >= 2 * minimumColumns, m * n * k >= minimumWork else { return 1 }
        return Swift.min(threads, n / minimumColumns)
    }
}
