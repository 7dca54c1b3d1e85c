import XCTest
import Tensor

/// Views against PyTorch: values, shapes, and whether the result shares storage (a view) or copies.
final class ViewTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("views")) }

    func testViewsMatchTorch() {
        let cases = OpFixtures.cases("views")
        XCTAssertGreaterThan(cases.count, 20)
        for c in cases {
            let input = c.input
            let out: Tensor
            if c.op == "contiguous" {
                out = input.contiguous()
            } else {
                out = OpFixtures.apply(c.args["view"] as! [Any], to: input)
            }
            assertMatches(out, c.expected, rtol: 0, "\(c.name) \(c.op)", family: "views")
            let shares = c.raw["sharesStorage"] as! Bool
            XCTAssertEqual(out.storage === input.storage, shares, "\(c.name) \(c.op): shares storage")
        }
    }

    func testCopyNeverSharesStorage() {
        let t = Tensor([1, 2, 3, 4], shape: [2, 2])
        let c = t.copy()
        XCTAssertFalse(c.storage === t.storage)
        XCTAssertEqual(c.scalars, [1, 2, 3, 4])
    }

    func testWritesThroughAViewAreVisibleInTheBase() {
        let base = Tensor(zeros: [3, 4])
        base.slice(axis: 1, start: 1, end: 4, step: 2).assign(Tensor(scalar: 7))
        XCTAssertEqual(base.scalars, [0, 7, 0, 7, 0, 7, 0, 7, 0, 7, 0, 7])
    }
}
