import Autograd
import Foundation
import Llama
import TestSupport
import XCTest
@testable import HolisticBias

/// Perplexities against transformers on the tiny Llama (Scripts/fixtures/holistic_bias_score.py).
final class PerplexityScorerTests: XCTestCase {
    struct Case: Decodable {
        var context: [Int]
        var sentences: [[Int]]
        var perplexities: [Double]
        var eos_id: Int?
    }
    struct Reference: Decodable {
        var eos_id: Int
        var cases: [Case]
        var doubled_down_proj_layer1: Case
        var stories260K: Case?
    }

    /// Doubles one linear layer's output, which the reference did to the weight.
    struct DoubledLayer: LinearProvider {
        let base: BaseLinears
        let path: String
        func apply(_ p: String, _ x: Variable) -> Variable {
            p == path ? base.apply(p, x) * 2 : base.apply(p, x)
        }
    }

    func load() throws -> (LlamaModel, Reference) {
        let model = try HuggingFaceLoader.load(directory: Fixtures.url("tiny-llama", in: Bundle.module))
        let data = try Data(contentsOf: Fixtures.url("holistic_bias_score.json", in: Bundle.module))
        return (model, try JSONDecoder().decode(Reference.self, from: data))
    }

    func assertClose(_ got: [Double], _ want: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        for (g, w) in zip(got, want) {
            XCTAssertLessThan(abs(g - w) / w, 1e-4, "perplexity \(g) vs transformers \(w)", file: file, line: line)
        }
    }

    func testBatchedPerplexitiesMatchTransformers() throws {
        let (model, ref) = try load()
        XCTAssertEqual(ref.cases.count, 2)
        for c in ref.cases {
            let scorer = PerplexityScorer(model: model, contextIDs: c.context, eosID: ref.eos_id)
            // All six lengths (1 to 20 tokens) in one call.
            assertClose(scorer.perplexities(ids: c.sentences), c.perplexities)
            // Alone, with no padding at all.
            assertClose(c.sentences.map { scorer.perplexities(ids: [$0])[0] }, c.perplexities)
        }
    }

    func testPerplexitiesThroughALinearProviderMatchTransformers() throws {
        let (model, ref) = try load()
        let c = ref.doubled_down_proj_layer1
        let provider = DoubledLayer(base: BaseLinears(layers: model.linears), path: "model.layers.1.mlp.down_proj")
        let scorer = PerplexityScorer(model: model, contextIDs: c.context, eosID: ref.eos_id, linears: provider)
        assertClose(scorer.perplexities(ids: Array(c.sentences.reversed())), Array(c.perplexities.reversed()))
    }

    /// The real llama2.c checkpoint (the tool's benchmark model) against transformers on its conversion.
    func testStories260KMatchesTransformers() throws {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let (_, ref) = try load()
        let c = try XCTUnwrap(ref.stories260K, "rerun Scripts/fixtures/holistic_bias_score.py where /work/shared is present")
        let model = try LlamaModel.load(bin.path)
        let scorer = PerplexityScorer(model: model, contextIDs: c.context, eosID: try XCTUnwrap(c.eos_id))
        assertClose(scorer.perplexities(ids: Array(c.sentences[..<5])) + scorer.perplexities(ids: Array(c.sentences[5...])), c.perplexities)
    }
}

/// Issue 17: a sentence's perplexity must not depend on the sentences batched with it, or a resumed
/// `holistic-bias score` run (which batches the remainder differently) differs from an uninterrupted one.
extension PerplexityScorerTests {
    func testScoresAreBitIdenticalAtEveryBatchSize() throws {
        let model = try LlamaModel.load(try SharedAssets.require("models/stories260K/stories260K.bin").path)
        let tokenizer = try Tokenizer(contentsOf: try SharedAssets.require("models/stories260K/tok512.bin"))
        let scorer = PerplexityScorer(model: model, tokenizer: tokenizer)
        let adjectives = ["old", "happy", "tall", "very small", "kind and gentle"]
        let nouns = ["cat", "girl", "grandfather", "little red bird", "friend who likes to sing", "dog", "boy", "tree", "mom", "teacher"]
        let texts = adjectives.flatMap { a in nouns.map { n in "Once upon a time there was a \(a) \(n)." } }
        XCTAssertEqual(texts.count, 50)
        func scores(batch: Int) -> [UInt64] {
            stride(from: 0, to: texts.count, by: batch).flatMap {
                scorer.perplexities(texts: Array(texts[$0..<min($0 + batch, texts.count)]), tokenizer: tokenizer)
            }.map(\.bitPattern)
        }
        let one = scores(batch: 1)
        XCTAssertEqual(scores(batch: 8), one, "batch 8 vs 1")
        XCTAssertEqual(scores(batch: 3), one, "batch 3 vs 1")
        XCTAssertEqual(scores(batch: 50), one, "batch 50 vs 1")
    }
}
