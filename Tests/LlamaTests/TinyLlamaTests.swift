import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// A tiny random Llama with grouped-query attention against transformers
/// (Scripts/fixtures/llama_tiny.py).
final class TinyLlamaTests: XCTestCase {
    lazy var reference = try! Fixtures.json("tiny_llama_reference.json", in: .module) as! [String: Any]
    lazy var model = try! HuggingFaceLoader.load(directory: Fixtures.url("tiny-llama", in: .module))

    func maxError(_ a: [Float], _ b: [Double]) -> Float { zip(a, b).map { abs($0 - Float($1)) }.max()! }

    func testPromptLogits() {
        let ours = model.logits(reference["prompt"] as! [Int]).scalars
        let theirs = (reference["logits"] as! [[Double]]).flatMap { $0 }
        XCTAssertLessThan(maxError(ours, theirs), 1e-4)
    }

    func testRightPaddedBatchLogits() {
        let ours = model.forward(reference["batch"] as! [[Int]], attentionMask: reference["mask"] as? [[Int]]).value.scalars
        let theirs = (reference["padded_logits"] as! [[[Double]]]).flatMap { $0.flatMap { $0 } }
        XCTAssertLessThan(maxError(ours, theirs), 1e-4)
    }

    func testGreedyGenerationWithCacheEqualsTransformers() throws {
        let out = try model.generate(prompt: reference["prompt"] as! [Int],
                                 options: GenerationOptions(maxNewTokens: 20, sampler: .greedyDecoding, stopAtEOS: false))
        XCTAssertEqual(out[0], reference["greedy"] as! [Int])
    }

    func testLeftPaddedBatchGenerationEqualsTransformers() {
        let out = model.generate(batch: reference["left"] as! [[Int]], attentionMask: reference["left_mask"] as! [[Int]],
                                 options: GenerationOptions(maxNewTokens: 8, sampler: .greedyDecoding, stopAtEOS: false))
        XCTAssertEqual(out, reference["left_greedy"] as! [[Int]])
    }

    func testMissingAndMisshapenTensorsAreNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("tiny-llama/config.json", in: .module), to: dir.appendingPathComponent("config.json"))
        let source = try SafeTensorsFile(path: Fixtures.url("tiny-llama/model.safetensors", in: .module).path)
        var items = try source.names.filter { $0 != "model.norm.weight" }.map { SafeTensorsWriter.Item(name: $0, tensor: try source.tensor($0)) }
        try SafeTensorsWriter.write(items, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try HuggingFaceLoader.load(directory: dir)) { error in
            XCTAssertTrue(String(describing: error).contains("model.norm.weight: tensor is missing"), "\(error)")
        }
        items.append(SafeTensorsWriter.Item(name: "model.norm.weight", tensor: Tensor(zeros: [31])))
        try SafeTensorsWriter.write(items, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try HuggingFaceLoader.load(directory: dir)) { error in
            XCTAssertTrue(String(describing: error).contains("model.norm.weight: shape [31] disagrees with the config"), "\(error)")
        }
    }

    func testTruncatedLlama2cFileIsRefused() throws {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).bin")
        try Data(contentsOf: bin).prefix(50_000).write(to: url)
        XCTAssertThrowsError(try LlamaModel.load(url.path)) { error in
            XCTAssertTrue(String(describing: error).contains("truncated"), "\(error)")
        }
    }
}
