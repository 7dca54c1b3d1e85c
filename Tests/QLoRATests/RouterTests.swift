import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// Router training against the same network trained by PyTorch (Scripts/fixtures/qlora_router.py).
final class RouterTests: XCTestCase {
    func tensor(_ any: Any?) -> Tensor {
        if let rows = any as? [[Double]] { return Tensor(rows.flatMap { $0.map(Float.init) }, shape: [rows.count, rows[0].count]) }
        let v = any as! [Double]
        return Tensor(v.map(Float.init), shape: [v.count])
    }

    func testTrainingMatchesPyTorch() throws {
        let ref = try Fixtures.json("router_reference.json", in: .module) as! [String: Any]
        let initial = ref["init"] as! [String: Any], final = ref["final"] as! [String: Any]
        var router = try Router(adapterNames: ["a", "b", "c"], w1: tensor(initial["w1"]), b1: tensor(initial["b1"]),
                                w2: tensor(initial["w2"]), b2: tensor(initial["b2"]))
        let losses = RouterTraining.train(&router, embeddings: tensor(ref["x"]), labels: ref["labels"] as! [Int],
                                          options: .init(epochs: 25, learningRate: 1e-2))
        for (ours, theirs) in zip(losses, ref["losses"] as! [Double]) { XCTAssertEqual(Double(ours), theirs, accuracy: 1e-5) }
        for (name, value) in [("w1", router.w1), ("b1", router.b1), ("w2", router.w2), ("b2", router.b2)] {
            let worst = zip(value.scalars, tensor(final[name]).scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 2e-5, name)
        }
        let probs = try router.probabilities(tensor(ref["x"]))
        let worst = zip(probs.scalars, tensor(ref["probs"]).scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 2e-5)
    }

    func testOutputCountMustMatchAdapters() {
        let r = Router(adapterNames: ["a", "b", "c"], dimension: 4, seed: 1)
        XCTAssertThrowsError(try Router(adapterNames: ["a", "b"], w1: r.w1, b1: r.b1, w2: r.w2, b2: r.b2)) { error in
            XCTAssertTrue(String(describing: error).contains("3 probabilities for 2 adapters"))
        }
    }

    func testNaNEmbeddingsAreReported() {
        let r = Router(adapterNames: ["a", "b", "c"], dimension: 4, seed: 1)
        XCTAssertThrowsError(try r.probabilities(Tensor([.nan, 0, 0, 0], shape: [1, 4])))
    }
}

final class RouterIOTests: XCTestCase {
    func testSaveLoadRoundTripAndMismatchIsNamed() throws {
        let r = Router(adapterNames: ["microblogs", "forums", "wikitalk"], dimension: 6, seed: 4)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(UUID().uuidString).safetensors")
        try r.save(to: url)
        let back = try Router.load(url)
        XCTAssertEqual(back.adapterNames, r.adapterNames)
        XCTAssertEqual(back.w2.scalars, r.w2.scalars)
        // Two outputs, three names: refused with the count in the message.
        let two = Router(adapterNames: ["a", "b"], dimension: 6, seed: 4)
        try SafeTensorsWriter.write([.init(name: "w1", tensor: two.w1), .init(name: "b1", tensor: two.b1),
                                     .init(name: "w2", tensor: two.w2), .init(name: "b2", tensor: two.b2)],
                                    metadata: ["adapter_names": #"["a","b","c"]"#], to: url)
        XCTAssertThrowsError(try Router.load(url)) { error in
            XCTAssertTrue(String(describing: error).contains("2 probabilities for 3 adapters"), "\(error)")
        }
    }
}
