import XCTest
import Tensor

/// SVD and QR against NumPy: singular values directly, factors up to the sign of each
/// singular vector / Householder column, plus the defining identities.
final class LinalgTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("linalg")) }

    /// Flips the sign of each column `j` of `actual` (columns of a [rows, cols] matrix) to agree with `reference`.
    func alignColumns(_ actual: Tensor, to reference: [Float]) -> Tensor {
        let rows = actual.shape[0], cols = actual.shape[1]
        var values = actual.scalars
        for j in 0..<cols {
            var dot: Float = 0
            for i in 0..<rows { dot += values[i * cols + j] * reference[i * cols + j] }
            if dot < 0 { for i in 0..<rows { values[i * cols + j] = -values[i * cols + j] } }
        }
        return Tensor(values, shape: actual.shape)
    }

    func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    func testSVDMatchesNumPy() {
        for c in OpFixtures.cases("linalg") where c.op == "svd" {
            let a = c.input
            let (u, s, vt) = a.svd()
            assertMatches(s, c.expected, rtol: 2e-6, "\(c.name) singular values", family: "linalg")
            let uRef = c.raw["u"] as! [String: Any], vtRef = c.raw["vt"] as! [String: Any]
            let alignedU = alignColumns(u, to: OpFixtures.floats(uRef["data"]))
            assertMatches(alignedU, uRef, rtol: 1e-5, "\(c.name) U", family: "linalg")
            let alignedV = alignColumns(vt.transposed().contiguous(), to: OpFixtures.floats(
                Tensor(OpFixtures.floats(vtRef["data"]), shape: vt.shape).transposed().scalars))
            let alignedVt = alignedV.transposed()
            assertMatches(alignedVt, vtRef, rtol: 1e-5, "\(c.name) Vt", family: "linalg")
            let reconstructed = (u * s).matmul(vt)
            XCTAssertLessThan(maxAbsDifference(reconstructed, a), 1e-5, "\(c.name): U diag(S) Vt != A")
            let k = s.count
            let gram = u.transposed().matmul(u)
            XCTAssertLessThan(maxAbsDifference(gram, identity(k)), 1e-5, "\(c.name): U not orthonormal")
        }
    }

    /// The product form gives NumPy's singular values (as A = A I), and on a random rank-6 product
    /// its factors are orthonormal and rebuild the product.
    func testSVDOfProduct() {
        for c in OpFixtures.cases("linalg") where c.op == "svd" {
            let a = c.input
            let (_, s, _) = Tensor.svdOfProduct(a, identity(a.shape[1]))
            assertMatches(s, c.expected, rtol: 1e-5, "\(c.name) singular values of A I", family: "linalg")
        }
        var rng = RandomGenerator(seed: 9)
        let b = Tensor.normal([40, 6], std: 1, generator: &rng), a = Tensor.normal([6, 30], std: 1, generator: &rng)
        let (u, s, vt) = Tensor.svdOfProduct(b, a)
        XCTAssertEqual(u.shape, [40, 6])
        XCTAssertEqual(vt.shape, [6, 30])
        XCTAssertLessThan(maxAbsDifference((u * s).matmul(vt), b.matmul(a)), 1e-4)
        XCTAssertLessThan(maxAbsDifference(u.transposed().matmul(u), identity(6)), 1e-5)
        XCTAssertLessThan(maxAbsDifference(vt.matmul(vt.transposed()), identity(6)), 1e-5)
        let full = b.matmul(a).svd().s.slice(axis: 0, start: 0, end: 6)
        XCTAssertLessThan(maxAbsDifference(s, full), 1e-4 * full.scalars[0])
    }

    func testQRMatchesNumPy() {
        for c in OpFixtures.cases("linalg") where c.op == "qr" {
            let a = c.input
            let (q, r) = a.qr()
            let qRef = c.raw["q"] as! [String: Any]
            let alignedQ = alignColumns(q, to: OpFixtures.floats(qRef["data"]))
            assertMatches(alignedQ, qRef, rtol: 1e-5, "\(c.name) Q", family: "linalg")
            // R's rows flip with Q's columns.
            let alignedR = alignColumns(r.transposed().contiguous(), to:
                Tensor(OpFixtures.floats(c.expected["data"]), shape: r.shape).transposed().scalars).transposed()
            assertMatches(alignedR, c.expected, rtol: 1e-5, "\(c.name) R", family: "linalg")
            for i in 0..<r.shape[0] { for j in 0..<Swift.min(i, r.shape[1]) { XCTAssertEqual(r[i, j], 0, "\(c.name): R not upper") } }
            XCTAssertLessThan(maxAbsDifference(q.matmul(r), a), 1e-5, "\(c.name): QR != A")
            XCTAssertLessThan(maxAbsDifference(q.transposed().matmul(q), identity(q.shape[1])), 1e-5, "\(c.name): Q not orthonormal")
        }
    }

    func identity(_ n: Int) -> Tensor {
        Tensor((0..<n * n).map { $0 / n == $0 % n ? 1 : 0 }, shape: [n, n])
    }
}
