import Autograd
import Tensor
import XCTest

/// Every backward rule against central finite differences (`gradientCheck`).
final class FiniteDifferenceTests: XCTestCase {
    private var generator = RandomGenerator(seed: 42)

    private func random(_ shape: [Int], low: Float = -1, high: Float = 1) -> Tensor {
        Tensor.uniform(shape, low: low, high: high, generator: &generator)
    }

    private func check(_ inputs: [Tensor], _ what: String, file: StaticString = #filePath, line: UInt = #line,
                       _ f: ([Variable]) -> Variable) {
        let result = gradientCheck(inputs, f)
        XCTAssertTrue(result.passed, "\(what): \(result)", file: file, line: line)
    }

    func testBroadcastingArithmetic() {
        let a = random([2, 3, 4]), b = random([3, 1]), c = random([4], low: 0.5, high: 1.5)
        check([a, b], "add") { $0[0] + $0[1] }
        check([a, b], "sub") { $0[0] - $0[1] }
        check([a, b], "mul") { $0[0] * $0[1] }
        check([a, c], "div") { $0[0] / $0[1] }
        check([c, a], "div broadcasting the numerator") { $0[0] / $0[1].exp() }
        check([a], "neg") { -$0[0] }
        check([a], "scalar ops") { (2 - ($0[0] * 3 + 1) / 4 - 0.5) * 1.5 }
    }

    func testUnaryFunctions() {
        let x = random([3, 5]), positive = random([3, 5], low: 0.5, high: 2)
        check([x], "exp") { $0[0].exp() }
        check([positive], "log") { $0[0].log() }
        check([positive], "sqrt") { $0[0].sqrt() }
        check([positive], "rsqrt") { $0[0].rsqrt() }
        check([positive], "pow 2.5") { $0[0].pow(2.5) }
        check([x], "pow 2") { $0[0].pow(2) }
        check([x], "sigmoid") { $0[0].sigmoid() }
        check([x], "tanh") { $0[0].tanh() }
        check([x * 3], "silu") { $0[0].silu() }
        let awayFromZero = Tensor([-1.2, -0.4, 0.3, 0.9, -0.7, 1.5], shape: [2, 3])
        check([awayFromZero], "relu") { $0[0].relu() }
    }

    func testMatmul() {
        check([random([3, 4]), random([4, 5])], "2-D") { $0[0].matmul($0[1]) }
        check([random([2, 3, 4]), random([4, 5])], "batch x shared matrix") { $0[0].matmul($0[1]) }
        check([random([3, 4]), random([2, 4, 5])], "shared matrix x batch") { $0[0].matmul($0[1]) }
        check([random([2, 1, 3, 4]), random([3, 4, 2])], "broadcast batch dims") { $0[0].matmul($0[1]) }
        check([random([2, 4, 3]), random([2, 5, 4])], "transposed views") {
            $0[0].transposed().matmul($0[1].transposed())
        }
        check([random([3, 4]), random([4])], "matrix x vector") { $0[0].matmul($0[1]) }
        check([random([4]), random([4, 3])], "vector x matrix") { $0[0].matmul($0[1]) }
        check([random([2, 3, 4]), random([5, 4]), random([5])], "linear with bias") {
            $0[0].linear($0[1], bias: $0[2])
        }
        check([random([3, 2, 4]).permuted([1, 0, 2]), random([5, 4])], "linear on a strided input") {
            $0[0].linear($0[1])
        }
    }

    func testReductions() {
        let x = random([2, 3, 4])
        check([x], "sum axis") { $0[0].sum(axis: 1) }
        check([x], "sum axes keepDims") { $0[0].sum(axes: [0, -1], keepDims: true) }
        check([x], "sum all") { $0[0].sum() }
        check([x], "mean axis") { $0[0].mean(axis: -1) }
        check([x], "mean axes") { $0[0].mean(axes: [0, 2]) }
        check([x], "mean all") { $0[0].mean() }
    }

    func testSoftmaxFamily() {
        let x = random([2, 3, 4], low: -2, high: 2)
        check([x], "softmax last") { $0[0].softmax() }
        check([x], "softmax middle") { $0[0].softmax(axis: 1) }
        check([x], "logSoftmax last") { $0[0].logSoftmax() }
        check([x], "logSoftmax first") { $0[0].logSoftmax(axis: 0) }
    }

    func testShapeOps() {
        let x = random([2, 3, 4])
        check([x], "reshape") { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        check([x], "permute") { $0[0].permuted([2, 0, 1]).matmul(Variable(Tensor([1, 2, 3], shape: [3, 1]))) }
        check([x], "transpose") { $0[0].transposed(0, 2).exp() }
        check([x], "slice with step") { $0[0].slice(axis: 2, start: 1, end: 4, step: 2).exp() }
        check([x, random([2, 1, 4]), random([2, 2, 4])], "concat") { Variable.concat([$0[0], $0[1], $0[2]], axis: 1).exp() }
        check([random([3, 1])], "expand") { $0[0].expanded(to: [2, 3, 4]) * Variable(x) }
        check([x], "unsqueeze and squeeze") { $0[0].unsqueezed(1).exp().squeezed(1) }
        check([x.transposed(0, 1)], "contiguous") { $0[0].contiguous().exp() }
    }

    func testRMSNorm() {
        check([random([2, 3, 6]), random([6], low: 0.5, high: 1.5)], "rmsNorm") {
            $0[0].rmsNorm(weight: $0[1], eps: 1e-5)
        }
    }

    func testRoPE() {
        let (cos, sin) = RoPE.tables(headDim: 6, maxPositions: 10)
        check([random([2, 2, 3, 6])], "rope shared positions") { $0[0].rope(cos: cos, sin: sin, positions: [2, 5, 9]) }
        check([random([2, 3, 2, 6])], "rope per-token positions on a permuted view") {
            $0[0].permuted([0, 2, 1, 3]).rope(cos: cos, sin: sin, positions: [0, 1, 2, 4, 6, 8])
        }
    }

    func testCausalAttention() {
        check([random([1, 4, 3, 2]), random([1, 2, 3, 2]), random([1, 2, 3, 2])], "GQA self-attention") {
            Variable.causalAttention(q: $0[0], k: $0[1], v: $0[2])
        }
        check([random([2, 2, 2, 3]), random([2, 2, 4, 3]), random([2, 2, 4, 3])], "attention over a cache") {
            Variable.causalAttention(q: $0[0], k: $0[1], v: $0[2], scale: 0.7)
        }
    }

    func testSwiGLUEmbeddingCrossEntropyDropout() {
        check([random([2, 5], low: -3, high: 3), random([2, 5])], "swiglu") { Variable.swiglu(gate: $0[0], up: $0[1]) }
        check([random([5, 3])], "embedding") { $0[0].embedding([4, 0, 4, 2], indexShape: [2, 2]) }
        check([random([2, 3, 5], low: -2, high: 2)], "crossEntropy ignoring -100") {
            $0[0].crossEntropy(targets: [1, -100, 4, 0, -100, 2])
        }
        check([random([4, 6])], "dropout (same seed, same mask)") { v in
            var g = RandomGenerator(seed: 7)
            return v[0].dropout(p: 0.3, generator: &g)
        }
    }
}
