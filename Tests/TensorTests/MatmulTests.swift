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
}
