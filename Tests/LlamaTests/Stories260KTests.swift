import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// stories260K (a real trained Llama) against golden.json, whose tokens and logits were computed
/// independently and cross-checked with llama2.c's run.c.
final class Stories260KTests: XCTestCase {
    func golden() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: SharedAssets.require("models/stories260K/golden.json"))) as! [String: Any]
    }

    func models() throws -> [(String, LlamaModel)] {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let hf = try SharedAssets.require("models/stories260K/derived/hf")
        let gguf = try SharedAssets.require("models/stories260K/derived/gguf/stories260K-f32.gguf")
        return [("llama2.c", try LlamaModel.load(bin.path)), ("hf", try HuggingFaceLoader.load(directory: hf)), ("gguf", try LlamaModel.load(gguf.path))]
    }

    func testLogitsWithin1e4() throws {
        let g = try golden()["logits"] as! [String: Any]
        let ids = g["input_ids"] as! [Int]
        let expected = (g["values"] as! [[Double]]).flatMap { $0.map(Float.init) }
        for (name, model) in try models() {
            let ours = model.logits(ids).scalars
            let worst = zip(ours, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(name): max logit error \(worst)")
        }
    }

    func testGreedyFromBOSTokenForToken() throws {
        let g = try golden()["greedy_from_bos"] as! [String: Any]
        let expected = g["generated_ids"] as! [Int]
        for (name, model) in try models() {
            let out = try model.generate(prompt: g["input_ids"] as! [Int],
                                     options: GenerationOptions(maxNewTokens: expected.count, sampler: .greedyDecoding, stopAtEOS: false))
            XCTAssertEqual(out[0], expected, name)
        }
    }

    func testGreedyFromPrompt() throws {
        let g = try golden()["greedy_from_prompt"] as! [String: Any]
        let expected = g["generated_ids_after_prompt"] as! [Int]
        for (name, model) in try models() {
            let out = try model.generate(prompt: g["input_ids"] as! [Int],
                                     options: GenerationOptions(maxNewTokens: expected.count, sampler: .greedyDecoding, stopAtEOS: false))
            XCTAssertEqual(out[0], expected, name)
        }
    }

    /// A cached prefix of the prompt (its keys and values from an earlier forward) continues as the
    /// whole prompt does; only the rest is run and counted, and the prefix is left as it was.
    func testGreedyFromPromptWithCachedPrefix() throws {
        let g = try golden()["greedy_from_prompt"] as! [String: Any]
        let prompt = g["input_ids"] as! [Int], expected = g["generated_ids_after_prompt"] as! [Int]
        XCTAssertGreaterThan(prompt.count, 2)
        let model = try LlamaModel.load(SharedAssets.require("models/stories260K/stories260K.bin").path)
        let prefix = KVCache(layers: model.config.numLayers)
        _ = model.forward([Array(prompt.dropLast(2))], cache: prefix)
        var stats = GenerationStats()
        let out = try model.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: expected.count, sampler: .greedyDecoding, stopAtEOS: false),
                                     prefix: prefix, stats: &stats)
        XCTAssertEqual(out[0], expected)
        XCTAssertEqual(stats.promptTokens, 2, "the cached tokens are not run again")
        XCTAssertEqual(prefix.length, prompt.count - 2, "the prefix is left as it was")
        let shorter = try model.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: expected.count, sampler: .greedyDecoding, stopAtEOS: false),
                                         prefix: prefix.copy(length: 1))
        XCTAssertEqual(shorter[0], expected, "a copy cut to fewer positions")
    }
}
