import Foundation
import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// Adapters saved by PEFT, loaded and run here, against PEFT's own outputs and gradients
/// (Scripts/fixtures/qlora_peft.py).
final class PEFTCompatibilityTests: XCTestCase {
    lazy var reference = try! Fixtures.json("peft_reference.json", in: .module) as! [String: Any]
    lazy var model = try! HuggingFaceLoader.load(directory: SharedAssets.packageRoot.appendingPathComponent("Tests/LlamaTests/Fixtures/tiny-llama"))

    func adapter(_ name: String) throws -> LoRAAdapter { try LoRAAdapter.load(directory: Fixtures.url(name, in: .module)) }

    func maxError(_ a: [Float], _ b: Any?) -> Float {
        zip(a, (b as! [[Double]]).flatMap { $0 }).map { abs($0 - Float($1)) }.max()!
    }

    func logits(_ provider: LinearProvider) -> [Float] {
        model.logits(reference["prompt"] as! [Int], linears: provider).scalars
    }

    func testPEFTAdaptersGiveTheSameLogits() throws {
        for name in ["adapter-a", "adapter-b"] {
            let a = try adapter(name)
            try a.validate(against: model, name: name)
            XCTAssertEqual(a.modules.count, 14)
            XCTAssertLessThan(maxError(logits(AdaptedLinears(model: model, adapters: [a], gates: [1])), reference[name]), 1e-4, name)
        }
    }

    func testCatMergeAndUnmergedMixingEqualPEFT() throws {
        let a = try adapter("adapter-a"), b = try adapter("adapter-b")
        let merged = try AdapterMerge.merge([a, b], weights: [0.7, 0.3], mode: .cat, names: ["a", "b"])
        XCTAssertLessThan(maxError(logits(AdaptedLinears(model: model, adapters: [merged], gates: [1])), reference["cat_0.7_0.3"]), 1e-4)
        XCTAssertLessThan(maxError(logits(AdaptedLinears(model: model, adapters: [a, b], gates: [0.7, 0.3])), reference["cat_0.7_0.3"]), 1e-4)
    }

    func testLoRAGradientsMatchPEFT() throws {
        let train = reference["train"] as! [String: Any]
        let lora = TrainableLoRA(model: model, adapter: try adapter("adapter-a"))
        let logits = model.forward(train["ids"] as! [[Int]], attentionMask: train["mask"] as? [[Int]], linears: lora)
        let loss = CausalLMLoss.loss(logits: logits, labels: train["labels"] as! [[Int]])
        XCTAssertEqual(Double(loss.value.item), train["loss"] as! Double, accuracy: 1e-5)
        loss.backward()
        let grads = train["grads"] as! [String: [[Double]]]
        XCTAssertEqual(lora.parameters.count, grads.count)
        var worst: Float = 0
        for (name, v) in lora.parameters {
            let ref = grads[name]!.flatMap { $0 }.map(Float.init)
            let scale = ref.map(abs).max()!
            let err = zip(v.grad!.scalars, ref).map { abs($0 - $1) }.max()! / max(scale, 1e-12)
            worst = max(worst, err)
        }
        XCTAssertLessThan(worst, 1e-4, "worst relative gradient error \(worst)")
    }

    func testRoundTripThroughPEFTFormat() throws {
        let a = try adapter("adapter-a")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try a.save(to: dir)
        let b = try LoRAAdapter.load(directory: dir)
        XCTAssertEqual(b.config, a.config)
        XCTAssertEqual(b.scaling, a.scaling)
        for path in a.modulePaths { XCTAssertEqual(b.modules[path]!.a.scalars, a.modules[path]!.a.scalars) }
    }

    func testAdapterForAnotherModelIsRefused() throws {
        var a = try adapter("adapter-a")
        let path = a.modulePaths[0]
        a.modules[path] = LoRAWeights(a: Tensor(zeros: [4, 5]), b: Tensor(zeros: [7, 4]))
        XCTAssertThrowsError(try a.validate(against: model, name: "odd")) { error in
            XCTAssertTrue(String(describing: error).contains(path), "\(error)")
        }
    }
}
