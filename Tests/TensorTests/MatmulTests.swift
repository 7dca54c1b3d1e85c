import XCTest
import Tensor

/// Matmul against PyTorch: 2-D, batched with broadcast batch dimensions, transposed and sliced views
/// (BLAS flags, no copies), stride-0 rows (copied), the M = 1 sgemv path, 1-D operands, and wide
/// products that take the column-split path.
final class MatmulTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("matmul")) }

    func testMatmulMatchesTorch() {
        // Two workers even on a one-core machine, so the wide cases take the column split.
        let threads = Parallel.threads
        Parallel.threads = Swift.max(threads, 2)
        defer { Parallel.threads = threads }
        XCTAssertEqual(ColumnSplit.chunks(m: 64, n: 6000, k: 96), 2, "the wide fixtures must exercise the split")
        XCTAssertEqual(ColumnSplit.chunks(m: 256, n: 768, k: 288), 1, "square-ish products stay one sgemm")
        let cases = OpFixtures.cases("matmul")
        XCTAssertGreaterThan(cases.count, 15)
        for c in cases {
            let t = c.inputs()
            assertMatches(t[0].matmul(t[1]), c.expected, rtol: 2e-6, "\(c.name) \(t[0].shape) x \(t[1].shape)",
                          family: "matmul")
        }
    }

    /// A batch of single rows [B, 1, K] x [K, N] (one token of each of several sequences), which is
    /// folded into one [B, K] x [K, N] product, against the sums in Double; and a batch of longer
    /// matrices, which stays one product per matrix, gives each matrix the bits it gets alone.
    func testBatchOfSingleRowsIsOneProduct() {
        let (b, k, n) = (5, 37, 300)
        var g = RandomGenerator(seed: 11)
        let x = Tensor.normal([b, 1, k], generator: &g), w = Tensor.normal([n, k], generator: &g)
        let y = x.matmul(w.transposed())
        XCTAssertEqual(y.shape, [b, 1, n])
        let xs = x.scalars, ws = w.scalars, ys = y.scalars
        var worst = 0.0
        for r in 0..<b {
            for c in 0..<n {
                var sum = 0.0
                for i in 0..<k { sum += Double(xs[r * k + i]) * Double(ws[c * k + i]) }
                worst = max(worst, abs(Double(ys[r * n + c]) - sum))
            }
        }
        XCTAssertLessThan(worst, 1e-4)
        let longer = Tensor.normal([3, 4, k], generator: &g)
        let batched = longer.matmul(w.transposed())
        for i in 0..<3 { XCTAssertEqual(batched.select(axis: 0, i).scalars, longer.select(axis: 0, i).contiguous().matmul(w.transposed()).scalars) }
    }
}
