import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// Input from users (prompts, tokenizer files, weights, paths) that used to trap: each must now
/// throw a named error saying what is wrong, and the correct input must still work.
final class BadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func stories260K() throws -> (model: LlamaModel, path: String, tokenizer: URL) {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let tok = try SharedAssets.require("models/stories260K/tok512.bin")
        return (try LlamaModel.load(bin.path), bin.path, tok)
    }

    /// tok512.bin cut to its first `count` entries (llama2.c layout: int32 max length, then per
    /// entry a float32 score, an int32 length and the bytes).
    func truncatedTok512(_ source: URL, count: Int) throws -> URL {
        let bytes = [UInt8](try Data(contentsOf: source))
        var position = 4
        for _ in 0..<count {
            let length = bytes[(position + 4)..<(position + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            position += 8 + length
        }
        let url = dir.appendingPathComponent("tok\(count).bin")
        try Data(bytes[0..<position]).write(to: url)
        return url
    }

    func assertMessage(_ error: Error, contains words: [String], line: UInt = #line) {
        let text = String(describing: error)
        for w in words { XCTAssertTrue(text.contains(w), "\(text) lacks \(w)", line: line) }
    }

    // MARK: item 1: a tokenizer larger than the model

    func testTokenizerLargerThanTheModelIsRefusedAtLoad() throws {
        let (model, path, tok512) = try stories260K()
        let llama2 = try SharedAssets.require("models/llama2-tokenizer/tokenizer.model")
        let tokenizer = try Tokenizer(contentsOf: llama2)
        XCTAssertThrowsError(try tokenizer.checkCompatible(with: model.config, tokenizerFile: llama2.path, modelFile: path)) { error in
            XCTAssertTrue(error is TokenizerError, "\(error)")
            assertMessage(error, contains: [llama2.path, path, "32000", "512", "no embedding"])
        }
        XCTAssertNoThrow(try Tokenizer(contentsOf: tok512).checkCompatible(with: model.config, tokenizerFile: tok512.path, modelFile: path))
    }

    // MARK: item 2: a tokenizer smaller than the model

    func testTokenizerSmallerThanTheModelIsRefusedAtLoad() throws {
        let (model, path, tok512) = try stories260K()
        let small = try truncatedTok512(tok512, count: 300)
        let tokenizer = try Tokenizer(contentsOf: small)
        XCTAssertEqual(tokenizer.vocabularySize, 300)
        XCTAssertThrowsError(try tokenizer.checkCompatible(with: model.config, tokenizerFile: small.path, modelFile: path)) { error in
            XCTAssertTrue(error is TokenizerError, "\(error)")
            assertMessage(error, contains: [small.path, path, "300", "512", "cannot decode"])
        }
    }

    func testDecodeOfAnIdBeyondTheVocabularyIsTheReplacementCharacter() throws {
        let (_, _, tok512) = try stories260K()
        let full = try Tokenizer(contentsOf: tok512)
        let small = try Tokenizer(contentsOf: try truncatedTok512(tok512, count: 300))
        let ids = full.encode("Once upon a time", addBOS: true)
        XCTAssertTrue(ids.contains { $0 >= 300 }, "\(ids)")
        let decoded = small.decode(ids + [-1, 100_000])
        XCTAssertTrue(decoded.contains("\u{FFFD}"), decoded)
        XCTAssertEqual(full.decode(ids), "Once upon a time")
        XCTAssertEqual(full.decode([100_000]), "\u{FFFD}")
    }

    func testByteLevelDecodeOfAnIdBeyondTheVocabularyIsTheReplacementCharacter() throws {
        let pieces = ByteLevelAlphabet.scalars.map { String(Character($0)) }
        let tokenizer = try Tokenizer(file: "bytes", byteLevelPieces: pieces, types: Array(repeating: .normal, count: 256), merges: [],
                                      preTokenizer: .gpt2, ignoresMerges: false, bosID: nil, eosID: nil, padID: nil, addsBOS: false,
                                      chatTemplate: nil, vocabularyField: "vocab", mergesField: "merges", rejectDuplicates: true)
        XCTAssertEqual(tokenizer.decode([0x68, 0x69, 256, -3]), "hi\u{FFFD}\u{FFFD}")
    }

    // MARK: item 3: prompts generate cannot take

    func testGenerateRefusesEmptyOutOfRangeAndOverlongPrompts() throws {
        let (model, _, _) = try stories260K()
        let fast = LlamaInference(model: model)
        let options = GenerationOptions(maxNewTokens: 4, sampler: .greedyDecoding, stopAtEOS: false)
        let cases: [([Int], GenerationError)] = [
            ([], .emptyPrompt),
            ([1, 512], .tokenOutOfRange(id: 512, position: 1, vocabularySize: 512)),
            ([1, -1], .tokenOutOfRange(id: -1, position: 1, vocabularySize: 512)),
            (Array(repeating: 1, count: 600), .promptTooLong(tokens: 600, context: 512)),
        ]
        for (prompt, expected) in cases {
            XCTAssertThrowsError(try fast.generate(prompt: prompt, options: options)) { XCTAssertEqual($0 as? GenerationError, expected) }
            XCTAssertThrowsError(try model.generate(prompt: prompt, options: options)) { XCTAssertEqual($0 as? GenerationError, expected) }
        }
        assertMessage(GenerationError.tokenOutOfRange(id: 512, position: 1, vocabularySize: 512), contains: ["512", "position 1", "vocabulary"])
        assertMessage(GenerationError.promptTooLong(tokens: 600, context: 512), contains: ["600", "512", "context"])
        // A full context is still a valid prompt (nothing left to generate), and a normal one generates.
        XCTAssertEqual(try fast.generate(prompt: Array(repeating: 1, count: 512), options: options), [[]])
        let a = try fast.generate(prompt: [1, 400], options: options)
        XCTAssertEqual(a, try model.generate(prompt: [1, 400], options: options))
        XCTAssertEqual(a[0].count, 4)
    }

    // MARK: item 9: non-finite weights

    func testNonFiniteWeightsAreReportedInsteadOfGeneratingZeros() throws {
        let (model, _, _) = try stories260K()
        var weights = model.tensors
        for path in model.config.linearModulePaths() { weights[path + ".weight"] = (model.linears[path] as! DenseLinear).weight }
        // An embedding of NaNs, as a checkpoint saved from a diverged run holds (the head is tied to it).
        let embedding = "model.embed_tokens.weight"
        weights[embedding] = Tensor(repeating: .nan, shape: weights[embedding]!.shape)
        let fast = try LlamaInference(config: model.config, weights: weights, file: "nan")
        let slow = try LlamaModel(config: model.config, weights: weights, file: "nan")
        let options = GenerationOptions(maxNewTokens: 5, sampler: .greedyDecoding, stopAtEOS: false)
        XCTAssertThrowsError(try fast.generate(prompt: [1, 400], options: options)) {
            XCTAssertEqual($0 as? GenerationError, .nonFiniteLogits(position: 1))
            assertMessage($0, contains: ["NaN", "position 1"])
        }
        XCTAssertThrowsError(try slow.generate(prompt: [1, 400], options: options)) { XCTAssertEqual($0 as? GenerationError, .nonFiniteLogits(position: 1)) }
    }

    func testHiddenActivationOtherThanSiLUIsRefused() throws {
        let url = Fixtures.url("llama_tiny", in: .module).appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        XCTAssertNoThrow(try LlamaConfig(json: json, file: "config.json"))
        json["hidden_act"] = "gelu"
        XCTAssertThrowsError(try LlamaConfig(json: json, file: "config.json")) { error in
            XCTAssertEqual((error as? FormatError)?.field, "hidden_act")
            assertMessage(error, contains: ["config.json", "gelu", "silu"])
        }
    }

    func testConfigWithFewerLayersThanTheFileIsRefused() throws {
        let source = Fixtures.url("llama_tiny", in: .module)
        let out = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: out.appendingPathComponent("model.safetensors"))
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        json["num_hidden_layers"] = 1
        try JSONSerialization.data(withJSONObject: json).write(to: out.appendingPathComponent("config.json"))
        for load in [{ _ = try ModelLoader.load(out.path) }, { _ = try LlamaModel.load(out.path) }] {
            XCTAssertThrowsError(try load()) { error in
                XCTAssertTrue(error is FormatError, "\(error)")
                assertMessage(error, contains: ["model.safetensors", "model.layers.1.", "layer 1", "num_hidden_layers is 1"])
            }
        }
        XCTAssertNoThrow(try LlamaModel.load(source.path))
    }

    // MARK: item 6: paths that are not regular files

    func testFIFOAndDirectoryAreRefusedWithoutBlocking() throws {
        let fifo = dir.appendingPathComponent("model.bin").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try MappedFile(path: fifo)) { error in
            XCTAssertEqual((error as? FormatError)?.file, fifo)
            assertMessage(error, contains: ["not a regular file", "FIFO"])
        }
        XCTAssertThrowsError(try LlamaModel.load(fifo)) { assertMessage($0, contains: [fifo, "FIFO"]) }
        XCTAssertThrowsError(try Tokenizer(contentsOf: URL(fileURLWithPath: fifo))) { error in
            XCTAssertTrue(error is TokenizerError, "\(error)")
            assertMessage(error, contains: [fifo, "FIFO"])
        }
        XCTAssertThrowsError(try MappedFile(path: dir.path)) { assertMessage($0, contains: ["directory"]) }
    }
}
