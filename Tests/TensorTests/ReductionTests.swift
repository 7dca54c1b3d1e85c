import XCTest
import Tensor

/// sum / mean / max / argmax over every axis, with and without kept dimensions, against PyTorch.
final class ReductionTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("reduction")) }

    func testReductionsMatchTorch() {
        let cases = OpFixtures.cases("reduction")
        XCTAssertGreaterThan(cases.count, 50)
        for c in cases {
            let x = c.input
            let axis = c.args["axis"] as? Int ?? 0, keep = c.args["keepDims"] as? Bool ?? false
            let out: Tensor
            switch c.op {
            case "sum": out = x.sum(axis: axis, keepDims: keep)
            case "mean": out = x.mean(axis: axis, keepDims: keep)
            case "max": out = x.max(axis: axis, keepDims: keep)
            case "argmax":
                var shape = x.shape
                shape.remove(at: axis < 0 ? axis + x.rank : axis)
                out = Tensor(x.argmax(axis: axis).map(Float.init), shape: shape)
            case "sumAll": out = Tensor(scalar: x.sum())
            case "meanAll": out = Tensor(scalar: x.mean())
            default: fatalError("unknown reduction \(c.op)")
            }
            assertMatches(out, c.expected, rtol: c.op == "argmax" ? 0 : 1e-6, "\(c.name) \(c.op) axis \(axis)", family: "reduction")
        }
    }
}
