import Autograd
import Tensor
import XCTest

/// Gradients against PyTorch autograd (Scripts/fixtures/autograd_block.py, float64 reference).
final class TorchReferenceTests: XCTestCase {
    /// A Llama decoder layer (Hugging Face `LlamaDecoderLayer`, eager attention) built from the
    /// Autograd ops: RMSNorm, GQA causal attention with rotate-half RoPE, SwiGLU MLP.
    func testLlamaDecoderLayerMatchesPyTorch() throws {
        let f = try FixtureTensors.load("autograd_block.json")
        let cfg = try XCTUnwrap(f["config"] as? [String: Any])
        let (b, t, dim) = (cfg["batch"] as! Int, cfg["seq"] as! Int, cfg["dim"] as! Int)
        let (heads, kvHeads) = (cfg["heads"] as! Int, cfg["kvHeads"] as! Int)
        let eps = Float(cfg["eps"] as! Double), theta = Float(cfg["theta"] as! Double)
        let headDim = dim / heads
        let weightObjects = try XCTUnwrap(f["weights"] as? [String: Any])
        var w: [String: Variable] = [:]
        for (name, obj) in weightObjects {
            w[name] = Variable(try FixtureTensors.tensor(obj, name), requiresGrad: true, name: name)
        }
        let x = Variable(try FixtureTensors.tensor(f["x"], "x"), requiresGrad: true)
        let proj = Variable(try FixtureTensors.tensor(f["proj"], "proj"))
        let (cos, sin) = RoPE.tables(headDim: headDim, maxPositions: t, theta: theta)
        let positions = Array(0..<t)

        func splitHeads(_ v: Variable, _ n: Int) -> Variable { v.reshaped([b, t, n, headDim]).permuted([0, 2, 1, 3]) }
        let h1 = x.rmsNorm(weight: w["input_layernorm.weight"]!, eps: eps)
        let q = splitHeads(h1.linear(w["self_attn.q_proj.weight"]!), heads).rope(cos: cos, sin: sin, positions: positions)
        let k = splitHeads(h1.linear(w["self_attn.k_proj.weight"]!), kvHeads).rope(cos: cos, sin: sin, positions: positions)
        let v = splitHeads(h1.linear(w["self_attn.v_proj.weight"]!), kvHeads)
        let attn = Variable.causalAttention(q: q, k: k, v: v).permuted([0, 2, 1, 3]).reshaped([b, t, dim])
        let h = x + attn.linear(w["self_attn.o_proj.weight"]!)
        let h2 = h.rmsNorm(weight: w["post_attention_layernorm.weight"]!, eps: eps)
        let mlp = Variable.swiglu(gate: h2.linear(w["mlp.gate_proj.weight"]!), up: h2.linear(w["mlp.up_proj.weight"]!))
            .linear(w["mlp.down_proj.weight"]!)
        let out = h + mlp
        let loss = (out * proj).sum()
        loss.backward()

        assertClose(out.value, try FixtureTensors.tensor(f["out"], "out"), relative: 1e-5, "layer output")
        let expectedLoss = Float(try XCTUnwrap(f["loss"] as? Double))
        XCTAssertEqual(loss.value.item, expectedLoss, accuracy: 1e-4 * abs(expectedLoss))
        let grads = try XCTUnwrap(f["grads"] as? [String: Any])
        var worst: Float = 0
        for (name, obj) in grads {
            let expected = try FixtureTensors.tensor(obj, "grads.\(name)")
            let actual = name == "x" ? x.grad : w[name]?.grad
            assertClose(actual, expected, relative: 1e-4, "gradient of \(name)")
            if let actual { worst = Swift.max(worst, relativeError(actual, expected)) }
        }
        print("decoder layer vs PyTorch: worst relative gradient error \(worst)")
    }

    func testCrossEntropyIgnoreIndexMatchesPyTorch() throws {
        let f = try XCTUnwrap(FixtureTensors.load("autograd_ops.json")["crossEntropy"] as? [String: Any])
        let logits = Variable(try FixtureTensors.tensor(f["logits"], "logits"), requiresGrad: true)
        let targets = try XCTUnwrap(f["targets"] as? [Int])
        let loss = logits.crossEntropy(targets: targets)
        loss.backward()
        let expected = Float(try XCTUnwrap(f["loss"] as? Double))
        XCTAssertEqual(loss.value.item, expected, accuracy: 1e-6 * Swift.max(1, abs(expected)))
        assertClose(logits.grad, try FixtureTensors.tensor(f["grad"], "grad"), relative: 1e-5, "cross-entropy gradient")
    }

    func testRMSNormMatchesPyTorch() throws {
        let f = try XCTUnwrap(FixtureTensors.load("autograd_ops.json")["rmsNorm"] as? [String: Any])
        let x = Variable(try FixtureTensors.tensor(f["x"], "x"), requiresGrad: true)
        let w = Variable(try FixtureTensors.tensor(f["weight"], "weight"), requiresGrad: true)
        let y = x.rmsNorm(weight: w, eps: Float(f["eps"] as! Double))
        y.backward(seed: try FixtureTensors.tensor(f["upstream"], "upstream"))
        assertClose(y.value, try FixtureTensors.tensor(f["out"], "out"), relative: 1e-6, "rmsNorm output")
        assertClose(x.grad, try FixtureTensors.tensor(f["gradX"], "gradX"), relative: 1e-5, "rmsNorm dx")
        assertClose(w.grad, try FixtureTensors.tensor(f["gradWeight"], "gradWeight"), relative: 1e-5, "rmsNorm dw")
    }

    func testRoPETablesAndRotationMatchHuggingFace() throws {
        let f = try XCTUnwrap(FixtureTensors.load("autograd_ops.json")["rope"] as? [String: Any])
        let (cos, sin) = RoPE.tables(headDim: f["headDim"] as! Int, maxPositions: f["maxPositions"] as! Int,
                                     theta: Float(f["theta"] as! Double))
        assertClose(cos, try FixtureTensors.tensor(f["cos"], "cos"), relative: 1e-6, "cos table")
        assertClose(sin, try FixtureTensors.tensor(f["sin"], "sin"), relative: 1e-6, "sin table")
        let x = Variable(try FixtureTensors.tensor(f["x"], "x"), requiresGrad: true)
        let y = x.rope(cos: cos, sin: sin, positions: try XCTUnwrap(f["positions"] as? [Int]))
        y.backward(seed: try FixtureTensors.tensor(f["upstream"], "upstream"))
        assertClose(y.value, try FixtureTensors.tensor(f["out"], "out"), relative: 1e-6, "rope output")
        assertClose(x.grad, try FixtureTensors.tensor(f["grad"], "grad"), relative: 1e-6, "rope gradient")
    }

    func testGQACausalAttentionWithCacheMatchesPyTorch() throws {
        let f = try XCTUnwrap(FixtureTensors.load("autograd_ops.json")["attention"] as? [String: Any])
        let q = Variable(try FixtureTensors.tensor(f["q"], "q"), requiresGrad: true)
        let k = Variable(try FixtureTensors.tensor(f["k"], "k"), requiresGrad: true)
        let v = Variable(try FixtureTensors.tensor(f["v"], "v"), requiresGrad: true)
        let y = Variable.causalAttention(q: q, k: k, v: v)
        y.backward(seed: try FixtureTensors.tensor(f["upstream"], "upstream"))
        assertClose(y.value, try FixtureTensors.tensor(f["out"], "out"), relative: 1e-6, "attention output")
        assertClose(q.grad, try FixtureTensors.tensor(f["gradQ"], "gradQ"), relative: 1e-5, "attention dq")
        assertClose(k.grad, try FixtureTensors.tensor(f["gradK"], "gradK"), relative: 1e-5, "attention dk")
        assertClose(v.grad, try FixtureTensors.tensor(f["gradV"], "gradV"), relative: 1e-5, "attention dv")
    }

    func testEmbeddingScatterAddsRepeatedRows() throws {
        let f = try XCTUnwrap(FixtureTensors.load("autograd_ops.json")["embedding"] as? [String: Any])
        let table = Variable(try FixtureTensors.tensor(f["table"], "table"), requiresGrad: true)
        let y = table.embedding(try XCTUnwrap(f["indices"] as? [Int]), indexShape: [2, 3])
        y.backward(seed: try FixtureTensors.tensor(f["upstream"], "upstream"))
        assertClose(y.value, try FixtureTensors.tensor(f["out"], "out"), relative: 0, "embedding output")
        assertClose(table.grad, try FixtureTensors.tensor(f["grad"], "grad"), relative: 1e-6, "embedding gradient")
    }

    func testSoftmaxAndLogSoftmaxOverMiddleAxisMatchPyTorch() throws {
        let ops = try FixtureTensors.load("autograd_ops.json")
        for name in ["softmax", "logSoftmax"] {
            let f = try XCTUnwrap(ops[name] as? [String: Any])
            let x = Variable(try FixtureTensors.tensor(f["x"], "x"), requiresGrad: true)
            let axis = f["axis"] as! Int
            let y = name == "softmax" ? x.softmax(axis: axis) : x.logSoftmax(axis: axis)
            y.backward(seed: try FixtureTensors.tensor(f["upstream"], "upstream"))
            assertClose(y.value, try FixtureTensors.tensor(f["out"], "out"), relative: 1e-6, "\(name) output")
            assertClose(x.grad, try FixtureTensors.tensor(f["grad"], "grad"), relative: 1e-5, "\(name) gradient")
        }
    }
}
