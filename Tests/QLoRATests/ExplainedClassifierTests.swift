import Foundation
import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

final class ExplainedClassifierTests: XCTestCase {
    /// A statement whose prompt overflows the model's context is an error, not a crash
    /// (stories260K holds 512 positions; the paper's prompt alone is about 540 of its tokens).
    func testPromptLongerThanContextThrows() throws {
        let model = try Llama2cLoader.load(path: SharedAssets.require("models/stories260K/stories260K.bin").path)
        let tokenizer = try Tokenizer(contentsOf: SharedAssets.require("models/stories260K/tok512.bin"))
        var rng = RandomGenerator(seed: 1)
        let weights = Dictionary(uniqueKeysWithValues: model.linears.map { path, l in
            (path, LoRALayer.initialWeights(rank: 2, inFeatures: l.inFeatures, outFeatures: l.outFeatures, generator: &rng))
        })
        let adapter = LoRAAdapter(config: LoRAConfig(r: 2, alpha: 2), modules: weights)
        let mixer = try AdapterMixer(model: model, adapters: [("a", adapter)])
        let classifier = try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: mixer, router: nil,
                                                 embedder: BaseModelEmbedder(model: model, tokenizer: tokenizer))
        XCTAssertThrowsError(try classifier.classify(String(repeating: "word ", count: 50), mode: .linear,
                                                     options: GenerationOptions(maxNewTokens: 4, sampler: .greedyDecoding))) { error in
            XCTAssertTrue(String(describing: error).contains("the model's context holds 512"), "\(error)")
        }
    }
}
