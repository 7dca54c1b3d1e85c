import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// A tiny random Llama with grouped-query attention and an untied head, built and run by
/// transformers (Scripts/fixtures/llama_tiny.py).
final class InferenceTinyLlamaTests: XCTestCase {
    lazy var expected = try! Fixtures.json("llama_tiny_expected.json", in: .module) as! [String: Any]

    func model() throws -> LlamaInference {
        try LlamaInference(try ModelLoader.load(Fixtures.url("llama_tiny", in: .module).path))
    }

    func testConfigIsReadFromTransformersFiveJSON() throws {
        let loaded = try ModelLoader.load(Fixtures.url("llama_tiny", in: .module).path)
        XCTAssertEqual(loaded.config, LlamaConfig(hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKVHeads: 2,
                                                  vocabSize: 64, rmsNormEps: 1e-6, ropeTheta: 500, maxPositions: 128, tieWordEmbeddings: false))
        XCTAssertNotNil(loaded.weights["lm_head.weight"])
    }

    func testPromptLogitsMatchTransformers() throws {
        let prompt = expected["prompt"] as! [Int]
        let reference = expected["logits"] as! [[Double]]
        let logits = try model().logits(ids: prompt)
        var worst: Float = 0
        for t in 0..<prompt.count { for v in 0..<64 { worst = max(worst, abs(logits[t, v] - Float(reference[t][v]))) } }
        print("tiny llama prompt logits max |error| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func testPaddedBatchLogitsMatchTransformers() throws {
        let batch = expected["batch"] as! [[Int]]
        let mask = expected["attention_mask"] as! [[Int]]
        let reference = expected["batch_logits"] as! [[[Double]]]
        let logits = try model().logits(batch: batch, attentionMask: mask)
        XCTAssertEqual(logits.shape, [3, 8, 64])
        var worst: Float = 0
        for b in 0..<batch.count {
            for t in 0..<batch[b].count where mask[b][t] == 1 {
                for v in 0..<64 { worst = max(worst, abs(logits[b, t, v] - Float(reference[b][t][v]))) }
            }
        }
        print("tiny llama padded batch logits max |error| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func testGreedyGenerationWithCacheMatchesTransformersGenerate() throws {
        let ids = try model().generate(prompt: expected["prompt"] as! [Int], options: GenerationOptions(maxNewTokens: 40, sampler: .greedyDecoding, stopAtEOS: false))
        XCTAssertEqual(ids, [expected["greedy_new_ids"] as! [Int]])
    }

    func testCachedDecodeEqualsFullForward() throws {
        let m = try model()
        let prompt = expected["prompt"] as! [Int]
        let full = m.logits(ids: prompt)
        let cache = m.makeCache(batch: 1, capacity: prompt.count)
        _ = m.step([Array(prompt.prefix(3))], attentionMask: nil, cache: cache)
        for t in 3..<prompt.count {
            let one = m.step([[prompt[t]]], attentionMask: nil, cache: cache)
            for v in 0..<64 { XCTAssertEqual(one[0, 0, v], full[t, v], accuracy: 1e-5) }
        }
    }
}

extension InferenceTinyLlamaTests {
    func testMeanNegativeLogLikelihoodMatchesTransformersLoss() throws {
        let (total, count) = try model().negativeLogLikelihood(ids: expected["prompt"] as! [Int])
        XCTAssertEqual(count, 7)
        XCTAssertEqual(total / Double(count), expected["loss"] as! Double, accuracy: 1e-5)
    }

    func testNumReturnSequencesSampleIndependentlyAndGreedyRowsAgree() throws {
        let m = try model()
        let prompt = expected["prompt"] as! [Int]
        let greedy = try m.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: 10, sampler: .greedyDecoding, numReturnSequences: 3, stopAtEOS: false))
        XCTAssertEqual(greedy, Array(repeating: Array((expected["greedy_new_ids"] as! [Int]).prefix(10)), count: 3))
        let sampled = try m.generate(prompt: prompt, options: GenerationOptions(
            maxNewTokens: 12, sampler: Sampler(temperature: 1.5, topK: 0), seed: 3, numReturnSequences: 3, stopAtEOS: false))
        XCTAssertEqual(sampled.map(\.count), [12, 12, 12])
        XCTAssertNotEqual(sampled[0], sampled[1])
        XCTAssertEqual(sampled, try m.generate(prompt: prompt, options: GenerationOptions(
            maxNewTokens: 12, sampler: Sampler(temperature: 1.5, topK: 0), seed: 3, numReturnSequences: 3, stopAtEOS: false)))
    }

    func testGenerationStopsAtEOS() throws {
        // transformers' greedy continuation emits id 2 as its 36th token.
        let ids = try model().generate(prompt: expected["prompt"] as! [Int], options: GenerationOptions(maxNewTokens: 40, sampler: .greedyDecoding, stopAtEOS: true))
        XCTAssertEqual(ids, [Array((expected["greedy_new_ids"] as! [Int]).prefix(36))])
    }
}

extension InferenceTinyLlamaTests {
    /// transformers' float16 shards (model.safetensors.index.json), against its logits of the
    /// rounded weights in float32.
    func testShardedFloat16CheckpointMatchesTransformers() throws {
        let loaded = try ModelLoader.load(Fixtures.url("llama_tiny_f16_sharded", in: .module).path)
        XCTAssertEqual(loaded.storedBytesPerParameter, 2)
        let prompt = expected["prompt"] as! [Int]
        let reference = expected["f16_logits"] as! [[Double]]
        let logits = try LlamaInference(loaded).logits(ids: prompt)
        var worst: Float = 0
        for t in 0..<prompt.count { for v in 0..<64 { worst = max(worst, abs(logits[t, v] - Float(reference[t][v]))) } }
        print("tiny llama f16 sharded logits max |error| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }
}
