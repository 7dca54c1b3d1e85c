import XCTest
import Tensor

/// Broadcasting binary ops and unary maps against PyTorch (float64), including strided inputs
/// and inputs large enough to run on several threads.
final class ElementwiseTests: XCTestCase {
    override class func tearDown() { print(ErrorLog.shared.report("elementwise")) }

    static let transcendental: Set<String> = ["pow", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "silu"]

    func binary(_ op: String, _ a: Tensor, _ b: Tensor) -> Tensor {
        switch op {
        case "add": return a + b
        case "sub": return a - b
        case "mul": return a * b
        case "div": return a / b
        case "maximum": return a.maximum(b)
        case "pow": return a.pow(b)
        default: fatalError("unknown binary op \(op)")
        }
    }

    func binary(_ op: String, _ a: Tensor, scalar s: Float) -> Tensor {
        switch op {
        case "add": return a + s
        case "sub": return a - s
        case "mul": return a * s
        case "div": return a / s
        case "pow": return a.pow(s)
        default: fatalError("unknown binary op \(op)")
        }
    }

    func unary(_ op: String, _ x: Tensor) -> Tensor {
        switch op {
        case "neg": return -x
        case "exp": return x.exp()
        case "log": return x.log()
        case "sqrt": return x.sqrt()
        case "rsqrt": return x.rsqrt()
        case "sigmoid": return x.sigmoid()
        case "tanh": return x.tanh()
        case "silu": return x.silu()
        case "relu": return x.relu()
        default: fatalError("unknown unary op \(op)")
        }
    }

    func testElementwiseMatchesTorch() {
        let cases = OpFixtures.cases("elementwise")
        XCTAssertGreaterThan(cases.count, 60)
        for c in cases {
            let rtol: Float = Self.transcendental.contains(c.op) ? 1e-5 : 1e-6
            let absPlusHalf = c.args["absPlusHalf"] as? Bool ?? false
            let out: Tensor
            if c.specs.count == 2 {
                var a = c.inputs()[0], b = c.inputs()[1]
                if absPlusHalf { a = OpFixtures.tensor(c.specs[0], map: { abs($0) + 0.5 }) }
                if c.args["zeroToOne"] as? Bool ?? false { b = OpFixtures.tensor(c.specs[1], map: { $0 == 0 ? 1 : $0 }) }
                out = binary(c.op, a, b)
            } else if let s = c.args["scalar"] as? Double {
                out = binary(c.op, c.input, scalar: Float(s))
            } else {
                let x = absPlusHalf ? OpFixtures.tensor(c.specs[0], map: { abs($0) + 0.5 }) : c.input
                out = unary(c.op, x)
            }
            assertMatches(out, c.expected, rtol: rtol, "\(c.name) \(c.op)", family: "elementwise")
        }
    }

    func testScalarOnTheLeft() {
        let x = Tensor([1, 2, 4], shape: [3])
        XCTAssertEqual((2 * x).scalars, [2, 4, 8])
        XCTAssertEqual((1 - x).scalars, [0, -1, -3])
    }

    /// NaN in, NaN out, as in PyTorch, on both the SIMD lanes and the scalar tail (callers test
    /// outputs for NaN to report bad inputs).
    func testNaNPropagatesThroughUnaryOps() {
        var values = [Float](repeating: 0.5, count: 19)
        values[3] = .nan
        values[17] = .nan
        let x = Tensor(values, shape: [19])
        for op in ["neg", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "silu", "relu"] {
            let y = unary(op, x).scalars
            XCTAssertTrue(y[3].isNaN && y[17].isNaN, "\(op) drops NaN")
            XCTAssertFalse(y[0].isNaN, "\(op) invents NaN")
        }
        XCTAssertTrue(x.softmax(axis: 0).scalars.allSatisfy(\.isNaN), "softmax over a NaN row")
    }
}
