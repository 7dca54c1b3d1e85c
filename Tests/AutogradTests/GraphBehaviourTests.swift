import Autograd
import Tensor
import XCTest

/// Graph bookkeeping: accumulation, noGrad, detach, frozen parameters, shared inputs.
final class GraphBehaviourTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardPassesUntilZeroGrad() {
        let w = Variable(Tensor([1, 2, 3], shape: [3]), requiresGrad: true)
        let x = Variable(Tensor([4, 5, 6], shape: [3]))
        (w * x).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [4, 5, 6])
        (w * w).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [6, 9, 12])
        w.zeroGrad()
        XCTAssertNil(w.grad)
        (w * x).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [4, 5, 6])
    }

    func testVariableUsedTwiceSumsBothPaths() {
        // y = x*x + 3x at x = 2: dy/dx = 2x + 3 = 7.
        let x = Variable(Tensor(scalar: 2), requiresGrad: true)
        (x * x + x * 3).backward()
        XCTAssertEqual(x.grad?.item, 7)
    }

    func testLeavesDoNotShareGradientStorage() {
        let a = Variable(Tensor([1, 2], shape: [2]), requiresGrad: true)
        let b = Variable(Tensor([3, 4], shape: [2]), requiresGrad: true)
        (a + b).sum().backward()
        a.grad!.withUnsafeMutableBufferPointer { $0[0] = 100 }
        XCTAssertEqual(b.grad?.scalars, [1, 1])
    }

    func testNoGradRecordsNoGraph() {
        let w = Variable(Tensor([1, 2], shape: [2]), requiresGrad: true)
        let y = noGrad { (w * w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
        XCTAssertTrue(GradMode.isEnabled)
        y.backward()
        XCTAssertNil(w.grad)
        XCTAssertEqual(y.value.item, 5)
        noGrad { XCTAssertFalse(GradMode.isEnabled) }
        XCTAssertTrue((w * w).sum().requiresGrad)
    }

    func testDetachStopsGradient() {
        // y = x * detach(x): dy/dx = detach(x) only.
        let x = Variable(Tensor([3], shape: [1]), requiresGrad: true)
        (x * x.detach()).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [3])
    }

    func testFrozenParametersGetNoGradientAndBuildNoGraph() {
        let frozen = Variable(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]))
        let input = Variable(Tensor([1, 1, 1], shape: [1, 3]))
        let constant = input.linear(frozen).exp().sum()
        XCTAssertFalse(constant.requiresGrad)
        XCTAssertNil(constant.op)

        // A LoRA-shaped graph: only the adapter receives a gradient.
        let adapter = Variable(Tensor([0.5, -0.5, 0.25, 1, 2, 3], shape: [2, 3]), requiresGrad: true)
        let y = (input.linear(frozen) + input.linear(adapter)).sum()
        y.backward()
        XCTAssertNil(frozen.grad)
        XCTAssertEqual(adapter.grad?.scalars, [1, 1, 1, 1, 1, 1])
    }

    func testDropoutIsSeededInvertedAndMasksTheGradient() {
        let x = Variable(Tensor(repeating: 1, shape: [1000]), requiresGrad: true)
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let y = x.dropout(p: 0.25, generator: &g1)
        XCTAssertEqual(y.value.scalars, x.dropout(p: 0.25, generator: &g2).value.scalars)
        let values = y.value.scalars
        XCTAssertTrue(values.allSatisfy { $0 == 0 || $0 == Float(1) / 0.75 })
        let dropped = values.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 1000, 0.25, accuracy: 0.05)
        y.sum().backward()
        XCTAssertEqual(x.grad?.scalars, values)
        var g3 = RandomGenerator(seed: 3)
        XCTAssertTrue(x.dropout(p: 0, generator: &g3) === x)
    }

    func testGradientCheckCatchesAWrongBackwardRule() {
        let result = gradientCheck([Tensor([0.5, 1.5], shape: [2])]) { v in
            Variable.record(v[0].value * v[0].value, op: "square with a wrong rule", parents: [v[0]]) { g in [g] }
        }
        XCTAssertFalse(result.passed)
        XCTAssertGreaterThan(result.maxAbsoluteError, 0.1)
    }
}

/// Gradient checkpointing gives the gradients of the plain graph.
final class CheckpointTests: XCTestCase {
    func testCheckpointedBlockMatchesPlainGradients() {
        var generator = RandomGenerator(seed: 9)
        let xValue = Tensor.normal([2, 3, 4], generator: &generator)
        let wValue = Tensor.normal([5, 4], generator: &generator), nValue = Tensor.uniform([4], low: 0.5, high: 1.5, generator: &generator)

        func run(checkpointed: Bool, inputRequiresGrad: Bool) -> (Tensor, Tensor?, Tensor, Tensor) {
            let x = Variable(xValue, requiresGrad: inputRequiresGrad)
            let w = Variable(wValue, requiresGrad: true), n = Variable(nValue, requiresGrad: true)
            let block: ([Variable]) -> Variable = { v in
                var g = RandomGenerator(seed: 1)
                return v[0].rmsNorm(weight: n, eps: 1e-5).dropout(p: 0.2, generator: &g).linear(w).silu()
            }
            let y = checkpointed ? Variable.checkpoint([x], block) : block([x])
            let loss = (y * y).sum()
            loss.backward()
            return (loss.value, x.grad, w.grad!, n.grad!)
        }
        for inputRequiresGrad in [true, false] {
            let plain = run(checkpointed: false, inputRequiresGrad: inputRequiresGrad)
            let ckpt = run(checkpointed: true, inputRequiresGrad: inputRequiresGrad)
            XCTAssertEqual(plain.0.scalars, ckpt.0.scalars)
            XCTAssertEqual(plain.1?.scalars, ckpt.1?.scalars)
            XCTAssertEqual(inputRequiresGrad, ckpt.1 != nil)
            XCTAssertEqual(plain.2.scalars, ckpt.2.scalars)
            XCTAssertEqual(plain.3.scalars, ckpt.3.scalars)
        }
    }
}
