import Foundation
import Llama
import TestSupport
import XCTest
@testable import QLoRA

/// The tiny synthetic bundle the tests use as a fast detector (Fixtures/TinyBundle, the older
/// layout with its base inside): it loads as a whole, stays small, and answers corpus-style
/// statements with a parseable label.
final class TinyBundleTests: XCTestCase {
    let directory = Fixtures.url("TinyBundle", in: .module)

    func testLoadsAndStaysUnderTenMegabytes() throws {
        let bundle = try DefaultBundle.load(directory: directory)
        XCTAssertEqual(bundle.adapters.map(\.name), ["microblogs", "forums", "wikitalk"])
        XCTAssertEqual(bundle.router.adapterNames, ["microblogs", "forums", "wikitalk"])
        XCTAssertEqual(bundle.tokenizer.vocabularySize, bundle.model.config.vocabSize)
        XCTAssertLessThan(try DefaultBundle.bytes(directory), 10 << 20)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: DefaultBundle.reportURL(in: directory))) as? [String: Any]
        XCTAssertEqual((report?["modes"] as? [Any])?.count, 7)
    }

    func testClassifiesCorpusStyleStatements() throws {
        let classifier = try DefaultBundle.load(directory: directory).classifier()
        let statements = ["@lila what a pathetic loser, get a life #truth",
                          "In my opinion, refugees are a disease on our society and I stand by it .",
                          "== Recent edits ==\nThe article on women history needs better sources. ~~~~"]
        let options = GenerationOptions(maxNewTokens: 60, sampler: Sampler(greedy: true))
        // The corpus's own labels for these templates: insult, dehumanising comparison, benign mention.
        for (statement, truth) in zip(statements, [HateLabel.offensive, .hate, .neutral]) {
            let verdict = try classifier.classify(statement, mode: .linear, options: options)
            XCTAssertEqual(verdict.label, truth, "answer \(verdict.answers.first?.text.debugDescription ?? "nothing")")
            XCTAssertEqual(verdict.gates.map(\.probability).reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    /// Token ids from sentencepiece on the bundle's vocabulary, logits from transformers and PEFT
    /// (Scripts/fixtures/default_bundle_reference.py).
    func testTokenizerAndModelAgreeWithTransformersAndPEFT() throws {
        struct Case: Decodable { let statement: String; let ids: [Int]; let base_last_logits: [Float]; let microblogs_last_logits: [Float] }
        struct Reference: Decodable { let cases: [Case] }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("default_bundle_reference.json", in: .module)))
        let bundle = try DefaultBundle.load(directory: directory)
        let microblogs = AdaptedLinears(model: bundle.model, adapters: [bundle.adapters[0].adapter], gates: [1])
        for c in reference.cases {
            let ids = bundle.tokenizer.encode(PromptFormat.prompt(statement: c.statement), addBOS: true)
            XCTAssertEqual(ids, c.ids)
            for (linears, expected) in [(nil, c.base_last_logits), (microblogs as LinearProvider?, c.microblogs_last_logits)] {
                let logits = bundle.model.logits(c.ids, linears: linears).select(axis: 0, c.ids.count - 1).scalars
                let worst = zip(logits, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-3 * max(1, expected.map(abs).max()!), "max logit difference \(worst)")
            }
        }
    }

    /// `qlora eval --modes microblogs` runs that adapter alone: its logits are PEFT's for that adapter.
    func testSingleAdapterEvaluationSettingMatchesPEFT() throws {
        struct Case: Decodable { let ids: [Int]; let microblogs_last_logits: [Float] }
        struct Reference: Decodable { let cases: [Case] }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("default_bundle_reference.json", in: .module)))
        let bundle = try DefaultBundle.load(directory: directory)
        let classifier = try bundle.classifier()
        let sources = ["microblogs", "forums", "wikitalk"]
        XCTAssertEqual(Evaluation.Setting("microblogs", sources: sources), .adapter("microblogs"))
        XCTAssertEqual(Evaluation.Setting("cat", sources: sources), .blend(.cat))
        XCTAssertNil(Evaluation.Setting("twitter", sources: sources))
        XCTAssertThrowsError(try Evaluation.resolve(.adapter("twitter"), classifier))
        let (mode, gates) = try Evaluation.resolve(.adapter("microblogs"), classifier)
        let (provider, used) = try classifier.mixer.provider(mode: mode, gates: try XCTUnwrap(gates))
        XCTAssertEqual(used.map(\.0), ["microblogs"])
        for c in reference.cases {
            let logits = bundle.model.logits(c.ids, linears: provider).select(axis: 0, c.ids.count - 1).scalars
            let worst = zip(logits, c.microblogs_last_logits).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-3 * max(1, c.microblogs_last_logits.map(abs).max()!), "max logit difference \(worst)")
        }
    }

    func testMismatchedRouterIsRefused() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: directory, to: scratch)
        let router = Router(adapterNames: ["microblogs", "forums"], dimension: 64, seed: 1)
        try router.save(to: DefaultBundle.routerURL(in: scratch))
        XCTAssertThrowsError(try DefaultBundle.load(directory: scratch))
    }
}
