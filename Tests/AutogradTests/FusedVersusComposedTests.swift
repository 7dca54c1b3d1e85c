import Autograd
import Tensor
import XCTest

/// Each fused op against the same function written with primitives.
final class FusedVersusComposedTests: XCTestCase {
    private var generator = RandomGenerator(seed: 11)

    /// Forward values and gradients of two implementations of one function at the same inputs.
    private func compare(_ inputs: [Tensor], tolerance: Float, _ what: String,
                         fused: ([Variable]) -> Variable, composed: ([Variable]) -> Variable) {
        let a = inputs.map { Variable($0, requiresGrad: true) }, b = inputs.map { Variable($0, requiresGrad: true) }
        let ya = fused(a), yb = composed(b)
        XCTAssertLessThanOrEqual(relativeError(ya.value, yb.value), tolerance, "\(what) forward")
        let seed = Tensor.normal(ya.shape, generator: &generator)
        ya.backward(seed: seed)
        yb.backward(seed: seed)
        for (i, (va, vb)) in zip(a, b).enumerated() {
            guard let ga = va.grad, let gb = vb.grad else { XCTFail("\(what): no gradient for input \(i)"); continue }
            XCTAssertLessThanOrEqual(relativeError(ga, gb), tolerance, "\(what) gradient of input \(i)")
        }
    }

    func testRMSNormMatchesItsComposition() {
        let x = Tensor.normal([4, 3, 16], generator: &generator)
        let w = Tensor.uniform([16], low: 0.5, high: 1.5, generator: &generator)
        compare([x, w], tolerance: 1e-5, "rmsNorm",
                fused: { $0[0].rmsNorm(weight: $0[1], eps: 1e-6) },
                composed: { v in v[0] * ((v[0] * v[0]).mean(axis: -1, keepDims: true) + 1e-6).rsqrt() * v[1] })
    }

    func testSwiGLUMatchesItsComposition() {
        let gate = Tensor.normal([3, 8], std: 2, generator: &generator), up = Tensor.normal([3, 8], generator: &generator)
        compare([gate, up], tolerance: 1e-6, "swiglu",
                fused: { Variable.swiglu(gate: $0[0], up: $0[1]) },
                composed: { $0[0].silu() * $0[1] })
    }

    func testCrossEntropyMatchesLogSoftmaxComposition() {
        let logits = Tensor.normal([6, 9], std: 3, generator: &generator)
        let targets = [2, -100, 8, 0, 5, -100]
        // The composition picks each kept row's target log-probability with a one-hot mask.
        var onehot = [Float](repeating: 0, count: 6 * 9)
        for (row, t) in targets.enumerated() where t >= 0 { onehot[row * 9 + t] = 1 }
        let mask = Variable(Tensor(onehot, shape: [6, 9]))
        compare([logits], tolerance: 1e-6, "crossEntropy",
                fused: { $0[0].crossEntropy(targets: targets) },
                composed: { -($0[0].logSoftmax() * mask).sum() / 4 })
    }

    func testAttentionMatchesRepeatedHeadComposition() {
        let q = Tensor.normal([2, 4, 3, 4], generator: &generator)
        let k = Tensor.normal([2, 2, 3, 4], generator: &generator), v = Tensor.normal([2, 2, 3, 4], generator: &generator)
        let mask = Variable(Tensor([0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0], shape: [3, 3]))
        func repeatKV(_ x: Variable) -> Variable {
            x.unsqueezed(2).expanded(to: [2, 2, 2, 3, 4]).reshaped([2, 4, 3, 4])
        }
        compare([q, k, v], tolerance: 1e-5, "causalAttention",
                fused: { Variable.causalAttention(q: $0[0], k: $0[1], v: $0[2]) },
                composed: { x in
                    ((x[0].matmul(repeatKV(x[1]).transposed()) * 0.5 + mask).softmax().matmul(repeatKV(x[2])))
                })
    }

    func testRoPEMatchesRotateHalfComposition() {
        let x = Tensor.normal([2, 3, 4, 8], generator: &generator)
        let (cos, sin) = RoPE.tables(headDim: 8, maxPositions: 12)
        let positions = [5, 6, 7, 11]
        let c = Variable(cos.gatherRows(positions)), s = Variable(sin.gatherRows(positions))
        compare([x], tolerance: 1e-6, "rope",
                fused: { $0[0].rope(cos: cos, sin: sin, positions: positions) },
                composed: { v in
                    let rotated = Variable.concat([-v[0].slice(axis: 3, start: 4, end: 8), v[0].slice(axis: 3, start: 0, end: 4)], axis: 3)
                    return v[0] * c + rotated * s
                })
    }
}
