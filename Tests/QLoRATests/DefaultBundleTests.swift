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

    /// Plain statements a detector must not accuse (the tiny base accused the first two). Plain
    /// attacks ("All immigrants are vermin and should be exterminated.") are not asserted: the
    /// shipped linear blend answers neutral on them, a known failure of the router (issue 14's note).
    func testBenignStatementsAreNeutral() throws {
        let classifier = try bundle().classifier()
        for benign in ["Muslims are welcome in our town", "I had a lovely dinner with my grandmother today",
                       "The meeting is moved to Thursday at 3pm.", "My neighbour is gay and he helped me fix my car."] {
            let (label, p) = try classifier.label(benign, mode: .linear)
            XCTAssertEqual(label, .neutral, "\(benign): \(p ?? [:])")
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
