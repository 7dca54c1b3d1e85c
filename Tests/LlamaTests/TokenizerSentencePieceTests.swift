import Foundation
import Llama
import TestSupport
import XCTest

final class TokenizerSentencePieceTests: XCTestCase {
    private func sharedTokenizer(_ path: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: try SharedAssets.require(path))
    }

    /// llama.cpp's test-tokenizer-0 vectors: `.inp` holds the strings separated by
    /// "\n__ggml_vocab_test__\n", `.out` one line of ids per string (no BOS).
    func testLlamaCppVectors() throws {
        let tokenizer = try sharedTokenizer("models/llama2-tokenizer/tokenizer.model")
        let folder = try SharedAssets.require("models/llama2-tokenizer/testvectors")
        let input = try String(contentsOf: folder.appendingPathComponent("ggml-vocab-llama-spm.gguf.inp"), encoding: .utf8)
        let output = try String(contentsOf: folder.appendingPathComponent("ggml-vocab-llama-spm.gguf.out"), encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        XCTAssertEqual(texts.removeLast(), "")
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(texts.count, 46)
        XCTAssertEqual(lines.count, texts.count)
        for (text, line) in zip(texts, lines) {
            let expected = line.split(separator: " ").map { Int($0)! }
            XCTAssertEqual(tokenizer.encode(text, addBOS: false), expected, "text \(text.debugDescription)")
        }
    }

    func testLlama2AgainstSentencePiece() throws {
        let tokenizer = try sharedTokenizer("models/llama2-tokenizer/tokenizer.model")
        let vectors = try TokenizerVectors.load()
        try checkAll(tokenizer, vectors, "llama2")
        XCTAssertEqual(tokenizer.encode("Hello world"), [1, 15043, 3186])
        XCTAssertEqual(tokenizer.vocabularySize, 32000)
    }

    func testLongTextAgainstSentencePiece() throws {
        let tokenizer = try sharedTokenizer("models/llama2-tokenizer/tokenizer.model")
        let root = try XCTUnwrap(Fixtures.json("tokenizer_vectors.json", in: Bundle.module) as? [String: Any])
        let long = try XCTUnwrap(root["long_text"] as? [String: Any])
        let text = try XCTUnwrap(long["text"] as? String)
        let ids = try XCTUnwrap(long["llama2_ids"] as? [Int])
        XCTAssertGreaterThan(text.unicodeScalars.count, 10_000)
        XCTAssertEqual(tokenizer.encode(text, addBOS: false), ids)
        XCTAssertEqual(tokenizer.decode(ids), long["llama2_decoded"] as? String)
    }

    func testMistralAgainstSentencePiece() throws {
        let tokenizer = try sharedTokenizer("models/mistral-tokenizer-v1/tokenizer.model")
        try checkAll(tokenizer, try TokenizerVectors.load(), "mistral")
    }

    /// Tiny models trained by the fixture script cover what the big ones do not: user-defined pieces,
    /// remove_extra_whitespaces, no byte fallback (runs of unknown characters), no dummy prefix.
    func testTinyModelsAgainstSentencePiece() throws {
        let vectors = try TokenizerVectors.load()
        for name in ["tiny_llama", "tiny_userdefined", "tiny_nofallback"] {
            let file = try XCTUnwrap(try vectors.file(name))
            let tokenizer = try Tokenizer(contentsOf: Fixtures.url(file, in: Bundle.module))
            try checkAll(tokenizer, vectors, name)
        }
    }

    func testUserDefinedAndNormalizerFlagsAreRead() throws {
        let tokenizer = try Tokenizer(contentsOf: Fixtures.url("tokenizer_tiny_userdefined.model", in: Bundle.module))
        XCTAssertEqual(tokenizer.normalization, .init(addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true))
        let sep = try XCTUnwrap(tokenizer.id(forPiece: "<sep>"))
        XCTAssertEqual(tokenizer.types[sep], .userDefined)
        XCTAssertTrue(tokenizer.encode("a<sep>b", addBOS: false).contains(sep))
        let plain = try Tokenizer(contentsOf: Fixtures.url("tokenizer_tiny_nofallback.model", in: Bundle.module))
        XCTAssertFalse(plain.byteFallback)
        XCTAssertFalse(plain.normalization.addDummyPrefix)
    }

    private func checkAll(_ tokenizer: Tokenizer, _ vectors: TokenizerVectors, _ name: String) throws {
        let expected = try vectors.expected(name)
        XCTAssertEqual(tokenizer.bosID, expected.bosID)
        XCTAssertEqual(tokenizer.eosID, expected.eosID)
        assertMatches(tokenizer, vectors, expected, label: name)
        for (index, ids) in expected.withBOSAndEOS.enumerated() {
            XCTAssertEqual(tokenizer.encode(vectors.strings[index], addBOS: true, addEOS: true), ids, "\(name) with BOS/EOS")
        }
        for (ids, text) in expected.decodeCases {
            XCTAssertEqual(tokenizer.decode(ids), text, "\(name) decode \(ids)")
        }
    }
}
