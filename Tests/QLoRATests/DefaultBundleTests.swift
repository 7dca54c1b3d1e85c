import Foundation
import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// The shipped detector (Sources/Tools/qlora/DefaultBundle): three fp16 PEFT adapters and the
/// router over SmolLM2-135M-Instruct, whose GGUF comes from ../shared here (the tools fetch the
/// same bytes with pip).
final class DefaultBundleTests: XCTestCase {
    static let basePath = "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// Loaded once: quantizing the base to NF4 takes a few seconds and every test reads it.
    nonisolated(unsafe) static var cached: DefaultBundle?

    func bundle() throws -> DefaultBundle {
        let base = try SharedAssets.require(Self.basePath).path
        if let b = Self.cached { return b }
        let b = try DefaultBundle.load(directory: DefaultBundle.sourceTreeDirectory) { name in
            guard name == "smollm2" else { throw XCTSkip("the bundle names base \(name); this test knows smollm2") }
            return base
        }
        Self.cached = b
        return b
    }

    func testBundleIsSmolLM2WithThreeHalfPrecisionAdaptersUnderThirtyMegabytes() throws {
        let b = try bundle()
        XCTAssertEqual(b.manifest.baseModel, "smollm2")
        XCTAssertEqual(b.manifest.baseQuantization, .nf4)
        XCTAssertEqual(b.manifest.promptStyle, .chat)
        XCTAssertEqual(b.adapters.map(\.name), ["microblogs", "forums", "hatexplain"])
        XCTAssertEqual(b.router.adapterNames, ["microblogs", "forums", "hatexplain"])
        XCTAssertTrue(b.model.linears.values.allSatisfy { $0 is QuantizedLinear }, "the frozen base is NF4, as the adapters were trained on it")
        let fingerprint = BaseFingerprint.of(config: b.model.config, tokenizer: b.tokenizer)
        for (name, adapter) in b.adapters {
            XCTAssertEqual(adapter.config.baseFingerprint, fingerprint, name)
            let file = try SafeTensorsFile(path: DefaultBundle.adapterDirectory(name, in: DefaultBundle.sourceTreeDirectory)
                .appendingPathComponent("adapter_model.safetensors").path)
            XCTAssertTrue(file.entries.values.allSatisfy { $0.dtype == .float16 }, "\(name) is stored as F16")
        }
        XCTAssertLessThan(try DefaultBundle.bytes(DefaultBundle.sourceTreeDirectory), 30 << 20)
    }

    /// Plain statements a detector must not accuse (the tiny base accused the first two), in the
    /// bundle's default mode, as `qlora infer` runs it.
    func testBenignStatementsAreNeutral() throws {
        let classifier = try bundle().classifier()
        XCTAssertTrue(classifier.defaultMode.isRouted, "the default routes: \(classifier.defaultMode)")
        for benign in ["Muslims are welcome in our town", "I had a lovely dinner with my grandmother today",
                       "The meeting is moved to Thursday at 3pm.", "My neighbour is gay and he helped me fix my car."] {
            let (label, p) = try classifier.label(benign, mode: classifier.defaultMode)
            XCTAssertEqual(label, .neutral, "\(benign): \(p ?? [:])")
        }
    }

    /// The shipped base decodes on the int8 GEMV, but the label comes from the prompt's forward pass
    /// (many rows, the exact GEMM): the label distribution of a full answer equals the one of the
    /// same bundle decoding with the exact GEMV, as the adapters were trained.
    func testDecodeKernelLeavesTheLabelDistributionUnchanged() throws {
        let b = try bundle()
        let fast = try b.classifier()
        XCTAssertTrue(b.model.linears.values.allSatisfy { ($0 as? QuantizedLinear)?.gemvPath == .fast })
        let exactModel = LlamaModel(config: b.model.config, tensors: b.model.tensors, linears: b.model.linears.mapValues { layer in
            QuantizedLinear(weight: (layer as! QuantizedLinear).weight, gemvPath: .exact)
        })
        let exact = try fast.onModel(exactModel)
        for statement in ["refugees are vermin and should be driven out", "Muslims are welcome in our town"] {
            let options = GenerationOptions(maxNewTokens: 8, sampler: .greedyDecoding)
            let p = try XCTUnwrap(fast.classify(statement, mode: fast.defaultMode, options: options).labelProbabilities)
            let q = try XCTUnwrap(exact.classify(statement, mode: fast.defaultMode, options: options).labelProbabilities)
            for label in HateLabel.allCases { XCTAssertEqual(p[label] ?? -1, q[label] ?? -2, accuracy: 1e-6, "\(statement): \(label)") }
        }
    }

    /// A fixed adapter choice (top1, an adapter alone) reuses the cached keys and values of the chat
    /// prompt's opening; the labels and answers are those of running the whole prompt.
    func testCachedPromptOpeningGivesTheUncachedAnswers() throws {
        let b = try bundle()
        let cached = try b.classifier(), uncached = try b.classifier()
        uncached.cachesPromptPrefix = false
        let options = GenerationOptions(maxNewTokens: 40, sampler: .greedyDecoding)
        for statement in ["refugees are vermin and should be driven out", "Muslims are welcome in our town", " leading space, then\nnewline"] {
            for _ in 0..<2 {  // the first call fills the cache, the second reads it
                let p = try cached.labelProbabilities(statement, mode: .top1), q = try uncached.labelProbabilities(statement, mode: .top1)
                for label in HateLabel.allCases { XCTAssertEqual(p[label]!, q[label]!, accuracy: 1e-5, "\(statement): \(label)") }
                XCTAssertEqual(try cached.classify(statement, mode: .top1, options: options).answers.first?.text,
                               try uncached.classify(statement, mode: .top1, options: options).answers.first?.text, statement)
            }
        }
    }

    /// bundle.json's default_mode: absent means linear (bundles from before it), a routed mode is
    /// read, a fixed mix (top3, full) or an unknown name is refused naming the field.
    func testDefaultModeIsReadAndOnlyRoutedModesAreAccepted() throws {
        let base: [String: Any] = ["adapters": ["a", "b"], "prompt_style": "chat"]
        XCTAssertEqual(try DefaultBundle.Manifest(json: base, file: "bundle.json").defaultMode, .linear)
        for mode in BlendMode.routed {
            XCTAssertEqual(try DefaultBundle.Manifest(json: base.merging(["default_mode": mode.rawValue]) { $1 }, file: "bundle.json").defaultMode, mode)
        }
        XCTAssertEqual(BlendMode.routed, [.linear, .cat, .svd, .top1, .top2, .unmerged])
        for bad: Any in ["top3", "full", "microblogs", 1] {
            XCTAssertThrowsError(try DefaultBundle.Manifest(json: base.merging(["default_mode": bad]) { $1 }, file: "bundle.json")) { error in
                XCTAssertTrue("\(error)".contains("default_mode"), "\(error)")
            }
        }
    }

    /// An adapter records the base it was trained on; on another base it is refused by name.
    func testAdapterFromAnotherBaseIsRefused() throws {
        let b = try bundle()
        let tiny = try DefaultBundle.load(directory: Fixtures.url("TinyBundle", in: .module))
        var foreign = tiny.adapters[0].adapter
        foreign.config.baseFingerprint = BaseFingerprint.of(config: b.model.config, tokenizer: b.tokenizer)
        XCTAssertThrowsError(try ExplainedClassifier(model: tiny.model, tokenizer: tiny.tokenizer,
                                                     mixer: AdapterMixer(model: tiny.model, adapters: [("microblogs", foreign)]),
                                                     router: nil, embedder: BaseModelEmbedder(model: tiny.model, tokenizer: tiny.tokenizer))) { error in
            XCTAssertTrue("\(error)".contains("trained on another base model"), "\(error)")
        }
    }

    /// Explained answers decoded side by side (one forward per token for the whole batch, each row
    /// under its own grammar, rows ending at different steps) are the answers each statement
    /// gets alone, word for word.
    func testBatchedExplainedAnswersEqualOneAtATime() throws {
        let classifier = try bundle().classifier()
        let statements = ["You are a stupid idiot", "I hate all muslims, they should leave", "What a beautiful sunset over the lake",
                          "women are too dumb to vote and should stay in the kitchen", "ok", "those people are animals and should be shot"]
        let options = GenerationOptions(maxNewTokens: 120, sampler: .greedyDecoding)
        let batched = try classifier.classify(batch: statements, mode: classifier.defaultMode, options: options, maxBatch: 4)
        XCTAssertEqual(batched.count, statements.count)
        for (s, b) in zip(statements, batched) {
            let single = try classifier.classify(s, mode: classifier.defaultMode, options: options)
            XCTAssertEqual(b.answers, single.answers, s)
            XCTAssertEqual(b.adaptersUsed.map(\.name), single.adaptersUsed.map(\.name))
            for l in HateLabel.allCases { XCTAssertEqual(b.labelProbabilities![l]!, single.labelProbabilities![l]!, accuracy: 1e-5, "\(s) \(l)") }
        }
    }

    /// Statements batched into one forward (right-padded after the shared prompt opening) and
    /// embedded for routing in one batch get the label distribution and gates each gets alone,
    /// in the default mode and in a mix that cannot batch. "ok" is one token: alone, its routing
    /// forward is one row, which failed this test while one row took the int8 decode GEMV.
    func testBatchedLabelVerdictsEqualOneAtATime() throws {
        let classifier = try bundle().classifier()
        let statements = ["You are a stupid idiot", "I hate all muslims, they should leave", "What a beautiful sunset over the lake",
                          "women are too dumb to vote", "Muslims are welcome in our town", "ok"]
        for mode in [classifier.defaultMode, .linear] {
            let batched = try classifier.labelVerdicts(statements, mode: mode, maxBatch: 4)
            for (s, b) in zip(statements, batched) {
                let single = try classifier.labelVerdicts([s], mode: mode)[0]
                XCTAssertEqual(b.label, single.label, "\(mode) \(s.prefix(40))")
                XCTAssertEqual(b.adaptersUsed.map(\.name), single.adaptersUsed.map(\.name))
                XCTAssertEqual(b.warnings, single.warnings)
                for l in HateLabel.allCases {
                    XCTAssertEqual(b.labelProbabilities![l]!, single.labelProbabilities![l]!, accuracy: 1e-5, "\(mode) \(s.prefix(40)) \(l)")
                }
                // The explained answer's own label distribution (generation's first step) is the same one.
                let explained = try classifier.classify(s, mode: mode, options: GenerationOptions(maxNewTokens: 1, sampler: .greedyDecoding))
                for l in HateLabel.allCases { XCTAssertEqual(explained.labelProbabilities![l]!, b.labelProbabilities![l]!, accuracy: 1e-5) }
            }
        }
        let routed = try classifier.gates(batch: statements)
        XCTAssertEqual(classifier.tokenizer.encode("ok", addBOS: true).count, 1)
        for (s, g) in zip(statements, routed) {
            for (a, b) in zip(g, try classifier.routedGates(s)) { XCTAssertEqual(a, b, accuracy: 1e-5, String(s.prefix(40))) }
        }
    }
}

/// Half-precision adapter files: F16 bits as numpy's `astype(np.float16)` gives them (round to
/// nearest even, overflow to infinity, underflow to zero), and the round trip through PEFT's layout.
final class HalfPrecisionAdapterTests: XCTestCase {
    func testFloat16BitsMatchNumpy() throws {
        let values: [Float] = [0.1, -2.5e-5, 65504, 70000, 1e-8, 3.14159, -0.0, 6.1e-5, 1.0009765625, 1.00048828125]
        // np.array(values, np.float32).astype(np.float16).view(np.uint16)
        let numpy: [UInt16] = [11878, 33187, 31743, 31744, 0, 16968, 32768, 1023, 15361, 15360]
        let item = SafeTensorsWriter.Item(name: "x", tensor: Tensor(values, shape: [values.count]), as: .float16)
        let bits = item.bytes.withUnsafeBytes { raw in (0..<values.count).map { raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) } }
        XCTAssertEqual(item.dtype, .float16)
        XCTAssertEqual(bits, numpy)
    }

    func testAdapterSavedAsFloat16LoadsWithinHalfPrecision() throws {
        let tiny = try DefaultBundle.load(directory: Fixtures.url("TinyBundle", in: .module))
        let adapter = tiny.adapters[0].adapter
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("f16-adapter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try adapter.save(to: dir, dtype: .float16)
        let back = try LoRAAdapter.load(directory: dir)
        XCTAssertEqual(Set(back.modules.keys), Set(adapter.modules.keys))
        for (path, w) in adapter.modules {
            for (original, loaded) in [(w.a, back.modules[path]!.a), (w.b, back.modules[path]!.b)] {
                for (x, y) in zip(original.scalars, loaded.scalars) {
                    XCTAssertEqual(y, Float(Float16(x)), "\(path)")
                }
            }
        }
    }
}
