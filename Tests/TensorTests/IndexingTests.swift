import XCTest
import Tensor

/// concat, gatherRows (embedding lookup), where and the causal mask against PyTorch / NumPy.
final class IndexingTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("indexing")) }

    func testIndexingMatchesTorch() {
        let cases = OpFixtures.cases("indexing")
        XCTAssertGreaterThan(cases.count, 10)
        for c in cases {
            let out: Tensor
            switch c.op {
            case "concat": out = Tensor.concat(c.inputs(), axis: c.args["axis"] as! Int)
            case "gatherRows":
                let shape = (c.args["indexShape"] as? [Any]).map(OpFixtures.ints)
                out = c.input.gatherRows(OpFixtures.ints(c.args["indices"]), indexShape: shape)
            case "where":
                let t = c.inputs()
                out = Tensor.where(t[0], t[1], t[2])
            case "lowerTriangularMask":
                out = Tensor.lowerTriangularMask(rows: c.args["rows"] as! Int, cols: c.args["cols"] as! Int,
                                                 offset: c.args["offset"] as! Int)
            default: fatalError("unknown indexing op \(c.op)")
            }
            assertMatches(out, c.expected, rtol: 0, "\(c.name) \(c.op)", family: "indexing")
        }
    }
}
