import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// The three encodings of Karpathy's stories260K (llama2.c .bin, Hugging Face directory, GGUF)
/// against golden.json, computed with run.c and an independent numpy forward.
final class InferenceStories260KTests: XCTestCase {
    func golden() throws -> [String: Any] {
        let url = try SharedAssets.require("models/stories260K/golden.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func paths() throws -> [String] {
        [try SharedAssets.require("models/stories260K/stories260K.bin").path,
         try SharedAssets.require("models/stories260K/derived/hf").path,
         try SharedAssets.require("models/stories260K/derived/gguf/stories260K-f32.gguf").path]
    }

    func testLogitsMatchGoldenInEveryFormat() throws {
        let g = try golden()["logits"] as! [String: Any]
        let ids = g["input_ids"] as! [Int]
        let expected = (g["values"] as! [[Double]]).map { $0.map(Float.init) }
        for path in try paths() {
            let model = try LlamaInference(try ModelLoader.load(path))
            let logits = model.logits(ids: ids)
            XCTAssertEqual(logits.shape, [ids.count, 512])
            var worst: Float = 0
            for t in 0..<ids.count { for v in 0..<512 { worst = max(worst, abs(logits[t, v] - expected[t][v])) } }
            XCTAssertLessThan(worst, 1e-4, path)
            print("stories260K logits max |error| \(worst) for \(path)")
        }
    }

    func testGreedyGenerationMatchesGoldenInEveryFormat() throws {
        let g = try golden()
        let fromBOS = g["greedy_from_bos"] as! [String: Any]
        let fromPrompt = g["greedy_from_prompt"] as! [String: Any]
        for path in try paths() {
            let loaded = try ModelLoader.load(path)
            XCTAssertEqual(loaded.config, LlamaConfig(hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKVHeads: 4,
                                                      vocabSize: 512, rmsNormEps: 1e-5, ropeTheta: 10000, maxPositions: 512,
                                                      tieWordEmbeddings: true), path)
            let model = try LlamaInference(loaded)
            let a = try model.generate(prompt: fromBOS["input_ids"] as! [Int],
                                   options: GenerationOptions(maxNewTokens: fromBOS["steps"] as! Int, sampler: .greedyDecoding, stopAtEOS: false))
            XCTAssertEqual(a[0], fromBOS["generated_ids"] as! [Int], path)
            let prompt = fromPrompt["input_ids"] as! [Int]
            // run.c -n 64 runs positions 0..<64 and samples at each from the last prompt token on.
            let steps = (fromPrompt["total_positions"] as! Int) - prompt.count + 1
            let b = try model.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: steps, sampler: .greedyDecoding, stopAtEOS: false))
            XCTAssertEqual(b[0], fromPrompt["generated_ids_after_prompt"] as! [Int], path)
        }
    }
}
