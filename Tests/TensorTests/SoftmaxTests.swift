import XCTest
import Tensor

/// softmax and log-softmax over every axis (strided inputs, masked -inf rows, large inputs) against PyTorch.
final class SoftmaxTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("softmax")) }

    func testSoftmaxMatchesTorch() {
        let cases = OpFixtures.cases("softmax")
        XCTAssertGreaterThan(cases.count, 15)
        for c in cases {
            let axis = c.args["axis"] as! Int
            let out = c.op == "softmax" ? c.input.softmax(axis: axis) : c.input.logSoftmax(axis: axis)
            assertMatches(out, c.expected, rtol: 1e-5, "\(c.name) \(c.op) axis \(axis)", family: "softmax")
        }
    }
}
