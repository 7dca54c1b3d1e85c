import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// `GGUFLinear` (weights kept in GGUF blocks) against `DenseLinear` over the gguf package's
/// dequantization of the same blocks.
final class GGUFLinearTests: XCTestCase {
    /// Deterministic inputs in [-1, 1).
    func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var s = seed
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ -> Float in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(s >> 40) - (1 << 23)) / Float(1 << 23)
        }
        return Tensor(values, shape: shape)
    }

    /// |got - expected| within 1e-5 of the row's sum of |w| |x| (the size of the terms summed), so the
    /// bound holds whatever cancellation the dot product has; only summation order may differ.
    func assertClose(_ got: Tensor, _ expected: Tensor, scale: Tensor, _ label: String, line: UInt = #line) {
        XCTAssertEqual(got.shape, expected.shape, label, line: line)
        let g = got.scalars, e = expected.scalars, s = scale.scalars
        var worst = 0.0
        for i in 0..<e.count { worst = max(worst, Double(abs(g[i] - e[i])) / (Double(s[i]) + 1e-30)) }
        XCTAssertLessThanOrEqual(worst, 1e-5, "\(label): worst error \(worst) of the absolute-value product", line: line)
    }

    func absolute(_ t: Tensor) -> Tensor { Tensor(t.scalars.map(abs), shape: t.shape) }

    func check(_ layer: GGUFLinear, against dense: DenseLinear, _ label: String, line: UInt = #line) {
        let absW = DenseLinear(weight: absolute(dense.weight))
        for m in [1, 3] {
            let x = input([m, layer.inFeatures], seed: UInt64(7 + m))
            assertClose(layer.forward(x), dense.forward(x), scale: absW.forward(absolute(x)), "\(label) forward m=\(m)", line: line)
            let dy = input([m, layer.outFeatures], seed: UInt64(11 + m))
            assertClose(layer.backwardInput(dy), dense.backwardInput(dy), scale: absW.backwardInput(absolute(dy)),
                        "\(label) backwardInput m=\(m)", line: line)
        }
    }

    /// Every type of the GGUFWriter fixture, output rows permuted, one-row (GEMV) and many-row
    /// (panel GEMM) products and input gradients.
    func testEveryTypeMatchesDenseOverTheReferenceValues() throws {
        let file = try GGUFFile(path: Fixtures.url("gguf_quants.gguf", in: .module).path)
        for c in GGUFQuantTests.cases {
            let reference = c.values.map(Float.init(bitPattern:))
            guard reference.allSatisfy(\.isFinite) else { continue }   // BF16's case holds infinities on purpose
            let (rows, cols) = (c.shape[0], c.shape[1])
            let order = [3, 0, 7, 5, 1, 6, 2, 4]
            let layer = try GGUFLinear(file: file, tensor: c.type.name.lowercased(), rowOrder: order)
            var permuted = [Float]()
            for r in order { permuted += reference[(r * cols)..<((r + 1) * cols)] }
            let dense = DenseLinear(weight: Tensor(permuted, shape: [rows, cols]))
            XCTAssertEqual(layer.dequantized().scalars.map(\.bitPattern), permuted.map(\.bitPattern), c.type.name)
            check(layer, against: dense, c.type.name)
        }
    }

    /// SmolLM2's Q8_0 embedding (28 panels of rows) and a Q4_1 projection, against dense layers over
    /// `GGUFFile.tensor` (itself checked bit for bit against the gguf package).
    func testSmolLM2LayersMatchDense() throws {
        let url = try SharedAssets.require("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        let file = try GGUFFile(path: url.path)
        for name in ["token_embd.weight", "blk.3.ffn_down.weight"] {
            check(try GGUFLinear(file: file, tensor: name), against: DenseLinear(weight: try file.tensor(name)), name)
        }
    }

    /// The whole model with its projections in blocks gives the dense model's logits, and greedy decoding
    /// continues "The capital of France is" with " Paris." (ids 7042, 30, what SOURCE.md's independent
    /// numpy forward gives) through both the prefill (GEMM) and decode (GEMV) paths.
    func testSmolLM2BlockModelMatchesTheDenseModel() throws {
        let url = try SharedAssets.require("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        let blocks = try LlamaModel.load(url.path, keepGGUFBlocks: true)
        XCTAssertTrue(blocks.linears.values.allSatisfy { $0 is GGUFLinear })
        let dense = LlamaInference(model: try LlamaModel.load(url.path))
        let fast = LlamaInference(model: blocks)
        let prompt = [504, 3575, 282, 4649, 314]
        let fastCache = fast.makeCache(capacity: 8), denseCache = dense.makeCache(capacity: 8)
        var ids = prompt, generated: [Int] = []
        for _ in 0..<2 {
            let a = fast.step([ids], attentionMask: nil, cache: fastCache), b = dense.step([ids], attentionMask: nil, cache: denseCache)
            let last = a.shape[1] - 1
            let la = (0..<a.shape[2]).map { a[0, last, $0] }, lb = (0..<b.shape[2]).map { b[0, last, $0] }
            let spread = lb.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(la, lb).map { abs($0 - $1) }.max()!, 1e-4 * spread, "step \(generated.count)")
            let next = la.indices.max { la[$0] < la[$1] }!
            generated.append(next)
            ids = [next]
        }
        XCTAssertEqual(generated, [7042, 30])
    }
}
