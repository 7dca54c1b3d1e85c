import Foundation
import Llama
import TestSupport
import XCTest

/// llama2.c `tokenizer.bin` and Hugging Face `tokenizer.json` loading.
final class TokenizerFormatsTests: XCTestCase {
    /// tokenizer.bin holds no normalizer flags; the loader assumes Llama 2's (dummy prefix on, runs
    /// of spaces kept), so it must reproduce sentencepiece on tokenizer.model exactly.
    func testLlama2TokenizerBinMatchesSentencePiece() throws {
        let url = try SharedAssets.require("models/llama2-tokenizer/tokenizer.bin")
        let tokenizer = try Tokenizer(contentsOf: url)
        XCTAssertEqual(tokenizer.vocabularySize, 32000)
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
        XCTAssertEqual(tokenizer.unknownID, 0)
        XCTAssertTrue(tokenizer.byteFallback)
        let vectors = try TokenizerVectors.load()
        assertMatches(tokenizer, vectors, try vectors.expected("llama2"), label: "tokenizer.bin")
        XCTAssertEqual(tokenizer.encode("Hello world"), [1, 15043, 3186])
    }

    func testTokenizerBinAgreesWithModelOnLlamaCppVectors() throws {
        let bin = try Tokenizer(contentsOf: try SharedAssets.require("models/llama2-tokenizer/tokenizer.bin"))
        let model = try Tokenizer(contentsOf: try SharedAssets.require("models/llama2-tokenizer/tokenizer.model"))
        let folder = try SharedAssets.require("models/llama2-tokenizer/testvectors")
        let input = try String(contentsOf: folder.appendingPathComponent("ggml-vocab-llama-spm.gguf.inp"), encoding: .utf8)
        for text in input.components(separatedBy: "\n__ggml_vocab_test__\n") {
            XCTAssertEqual(bin.encode(text), model.encode(text), "text \(text.debugDescription)")
        }
    }

    /// stories260K's 512-piece tokenizer: golden.json's prompt_encode comes from llama2.c and llama.cpp.
    func testStories260KTokenizerBin() throws {
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: try SharedAssets.require("models/stories260K/golden.json"))) as? [String: Any]
        let prompt = try XCTUnwrap(golden?["prompt_encode"] as? [String: Any])
        let text = try XCTUnwrap(prompt["text"] as? String)
        let ids = try XCTUnwrap(prompt["ids"] as? [Int])
        let tokenizer = try Tokenizer(contentsOf: try SharedAssets.require("models/stories260K/tok512.bin"))
        XCTAssertEqual(tokenizer.vocabularySize, 512)
        XCTAssertEqual(tokenizer.encode(text), ids)
        XCTAssertEqual(tokenizer.decode(ids), text)
        let greedy = try XCTUnwrap(golden?["greedy_from_bos"] as? [String: Any])
        if let generated = greedy["generated_ids"] as? [Int], let expectedText = greedy["text"] as? String {
            XCTAssertEqual(tokenizer.decode(generated), expectedText)
        }
    }

    /// A tokenizer.json that transformers made from a tiny committed model, against the `tokenizers` library.
    func testTinyTokenizerJSONMatchesTokenizersLibrary() throws {
        let tokenizer = try Tokenizer(contentsOf: Fixtures.url("tokenizer_tiny.json", in: Bundle.module))
        let vectors = try TokenizerVectors.load()
        assertMatches(tokenizer, vectors, try vectors.expected("tiny_json"), label: "tiny tokenizer.json")
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
    }

    /// The same vocabulary with Metaspace `split: true`, and in the legacy Prepend/Replace form with
    /// "a b" merges, against the `tokenizers` library.
    func testTokenizerJSONVariantsMatchTokenizersLibrary() throws {
        let vectors = try TokenizerVectors.load()
        for name in ["tiny_json_split", "tiny_json_legacy"] {
            let file = try XCTUnwrap(try vectors.file(name))
            let tokenizer = try Tokenizer(contentsOf: Fixtures.url(file, in: Bundle.module))
            assertMatches(tokenizer, vectors, try vectors.expected(name), label: name)
        }
    }

    /// The full Llama 2 tokenizer.json is too big to commit; the fixture script leaves it in /tmp.
    func testLlama2TokenizerJSONWhenPresent() throws {
        let vectors = try TokenizerVectors.load()
        let path = try XCTUnwrap(try vectors.file("llama2_json"))
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("needs \(path); run Scripts/fixtures/tokenizer_vectors.py to make it")
        }
        let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: path))
        assertMatches(tokenizer, vectors, try vectors.expected("llama2_json"), label: "llama2 tokenizer.json")
    }

    /// The array initializer (as GGUF metadata supplies) reproduces sentencepiece with Mistral's vocabulary.
    func testVocabularyArraysMatchSentencePiece() throws {
        let model = try Tokenizer(contentsOf: try SharedAssets.require("models/mistral-tokenizer-v1/tokenizer.model"))
        let tokenizer = try Tokenizer(file: "arrays", pieces: model.pieces, scores: model.scores, types: model.types,
                                      unknownID: 0, bosID: 1, eosID: 2)
        let vectors = try TokenizerVectors.load()
        assertMatches(tokenizer, vectors, try vectors.expected("mistral"), label: "vocabulary arrays")
        XCTAssertThrowsError(try Tokenizer(file: "arrays", pieces: ["a", "a"], scores: [0, 0], types: [.unknown, .normal],
                                           unknownID: 0, bosID: nil, eosID: nil))
    }
}
