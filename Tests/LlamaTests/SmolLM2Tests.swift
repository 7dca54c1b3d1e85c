import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// SmolLM2-135M-Instruct from the shared GGUF (Q4_1 matrices, Q8_0 embedding) against
/// transformers loading the same file dequantized to fp32 (Scripts/fixtures/smollm2_reference.py).
final class SmolLM2Tests: XCTestCase {
    struct Reference: Decodable {
        struct Prompt: Decodable {
            let text: String, ids: [Int], greedy: [Int]
            let top_ids: [[Int]], top_logits: [[Float]], max_abs_logit: [Float]
        }
        let vocab_size: Int
        let prompts: [Prompt]
    }

    static let modelPath = "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// Loaded once: dequantizing the file takes a moment, and every test reads the same model.
    nonisolated(unsafe) static var cached: LlamaInference?

    func model() throws -> LlamaInference {
        let path = try SharedAssets.require(Self.modelPath).path
        if let m = Self.cached { return m }
        let m = LlamaInference(model: try LlamaModel.load(path))
        Self.cached = m
        return m
    }

    func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("smollm2/reference.json", in: .module)))
    }

    func testConfigIsReadFromTheGGUFHeader() throws {
        let loaded = try ModelLoader.load(try SharedAssets.require(Self.modelPath).path)
        XCTAssertEqual(loaded.config, LlamaConfig(hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKVHeads: 3,
                                                  vocabSize: 49152, rmsNormEps: 1e-5, ropeTheta: 100000, maxPositions: 8192,
                                                  tieWordEmbeddings: true, bosTokenID: 1, eosTokenID: 2))
        XCTAssertEqual(loaded.parameterCount, 134_515_008)
    }

    /// Every position's top logits, and the whole last-position vocabulary, within 1e-3 of the
    /// largest |logit| (the bound), with the same argmax everywhere.
    func testLogitsMatchTransformers() throws {
        let ref = try reference()
        let model = try model()
        let last = try Data(contentsOf: Fixtures.url("smollm2/last_logits.f32", in: .module))
        let v = ref.vocab_size
        XCTAssertEqual(last.count, ref.prompts.count * v * 4)
        let lastLogits: [Float] = last.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        for (p, prompt) in ref.prompts.enumerated() {
            let logits = model.logits(ids: prompt.ids)
            XCTAssertEqual(logits.shape, [prompt.ids.count, v])
            var worstTop: Float = 0
            for t in 0..<prompt.ids.count {
                let row = logits.select(axis: 0, t).scalars
                XCTAssertEqual(row.indices.max { row[$0] < row[$1] }, prompt.top_ids[t][0], "argmax at \(t) of \(prompt.text.debugDescription)")
                for (id, value) in zip(prompt.top_ids[t], prompt.top_logits[t]) {
                    worstTop = max(worstTop, abs(row[id] - value) / prompt.max_abs_logit[t])
                }
            }
            let row = logits.select(axis: 0, prompt.ids.count - 1).scalars
            var worst: Float = 0
            for i in 0..<v { worst = max(worst, abs(row[i] - lastLogits[p * v + i])) }
            let relative = worst / prompt.max_abs_logit.last!
            print(String(format: "SmolLM2 logits vs transformers, %@: last position max|diff|/max|logit| %.2e, top-8 everywhere %.2e",
                         prompt.text.prefix(24).debugDescription, relative, worstTop))
            XCTAssertLessThan(relative, 1e-3, prompt.text)
            XCTAssertLessThan(worstTop, 1e-3, prompt.text)
        }
    }

    func testGreedyContinuationMatchesTransformers() throws {
        let ref = try reference()
        let model = try model()
        for prompt in ref.prompts {
            let out = try model.generate(prompt: prompt.ids, options: GenerationOptions(maxNewTokens: 24, sampler: .greedyDecoding, stopAtEOS: false))
            XCTAssertEqual(out[0], prompt.greedy, prompt.text)
        }
    }
}
