import Foundation
@testable import Llama
import TestSupport
import XCTest

/// Byte-level BPE (GPT-2 family) against Hugging Face `tokenizers`: Fixtures/byte_level_bpe_*.json,
/// written by Scripts/fixtures/byte_level_bpe.py.
final class ByteLevelBPETests: XCTestCase {
    struct Reference {
        let strings: [String]
        let root: [String: Any]

        init(_ name: String) throws {
            root = try XCTUnwrap(Fixtures.json(name, in: Bundle.module) as? [String: Any])
            strings = try XCTUnwrap(root["strings"] as? [String])
        }

        func ids(_ tokenizer: String) throws -> (ids: [[Int]], decoded: [String]) {
            let entry = try XCTUnwrap((root["tokenizers"] as? [String: Any])?[tokenizer] as? [String: Any], "no reference \(tokenizer)")
            return (try XCTUnwrap(entry["ids"] as? [[Int]]), try XCTUnwrap(entry["decoded"] as? [String]))
        }
    }

    static let ggufPath = "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Encodes and decodes every corpus string, reporting at most a few mismatches in full.
    func assertMatches(_ tokenizer: Tokenizer, _ reference: Reference, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try reference.ids(name)
        var failures = 0
        for (index, text) in reference.strings.enumerated() {
            let ids = tokenizer.encode(text, addBOS: false)
            let decoded = tokenizer.decode(expected.ids[index])
            if ids != expected.ids[index] || decoded != expected.decoded[index] {
                failures += 1
                if failures <= 5 {
                    XCTFail("\(name): encode(\(text.debugDescription)) = \(ids), reference \(expected.ids[index]); decode = \(decoded.debugDescription), reference \(expected.decoded[index].debugDescription)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(reference.strings.count) strings differ", file: file, line: line)
    }

    func smolLM2Metadata() throws -> [String: GGUFValue] {
        try GGUFFile(path: try SharedAssets.require(ByteLevelBPETests.ggufPath).path).metadata
    }

    /// SmolLM2's GGUF tokenizer (pre-tokenizer `smollm`) against `tokenizers` with SmolLM2's own
    /// Digits + ByteLevel pre-tokenizer, plus its special ids, BOS framing and chat template.
    func testSmolLM2MatchesTokenizersLibrary() throws {
        let reference = try Reference("byte_level_bpe_smollm2.json")
        let tokenizer = try Tokenizer.forModel(at: try SharedAssets.require(ByteLevelBPETests.ggufPath).path)
        XCTAssertEqual(tokenizer.vocabularySize, 49152)
        XCTAssertEqual(tokenizer.bosID, reference.root["bos_id"] as? Int)
        XCTAssertEqual(tokenizer.eosID, reference.root["eos_id"] as? Int)
        XCTAssertFalse(tokenizer.addsBOS)
        XCTAssertEqual(tokenizer.chatTemplate, reference.root["chat_template"] as? String)
        for (piece, id) in try XCTUnwrap(reference.root["special"] as? [String: Int]) {
            XCTAssertEqual(tokenizer.id(forPiece: piece), id, piece)
        }
        XCTAssertEqual(tokenizer.id(forPiece: "<|im_start|>"), 1)
        XCTAssertEqual(tokenizer.id(forPiece: "<|im_end|>"), 2)
        try assertMatches(tokenizer, reference, "smollm")

        let text = "<|im_start|>user\nhi<|im_end|>"
        XCTAssertEqual(tokenizer.encode(text, addBOS: true), tokenizer.encode(text, addBOS: false), "SmolLM2 takes no BOS")
        XCTAssertEqual(tokenizer.encode(text, addBOS: false, addEOS: true).last, 2)

        for entry in try XCTUnwrap(reference.root["decode_cases"] as? [[String: Any]]) {
            let ids = try XCTUnwrap(entry["ids"] as? [Int])
            XCTAssertEqual(tokenizer.decode(ids), entry["text"] as? String, "decode(\(ids))")
        }
    }

    /// The GPT-2, Llama 3 and Qwen 2 pre-tokenizers over SmolLM2's vocabulary, each against
    /// `tokenizers` with that regex as a Split step (Llama 3 with `ignore_merges`, as llama.cpp).
    func testNamedPreTokenizersMatchTokenizersLibrary() throws {
        let reference = try Reference("byte_level_bpe_smollm2.json")
        var metadata = try smolLM2Metadata()
        for (gguf, name) in [("gpt-2", "gpt2"), ("llama-bpe", "llama3"), ("qwen2", "qwen2")] {
            metadata["tokenizer.ggml.pre"] = .string(gguf)
            try assertMatches(try Tokenizer(ggufMetadata: metadata, file: "smollm2 as \(gguf)"), reference, name)
        }
    }

    /// The committed tiny tokenizer.json files (Digits + ByteLevel; Split(Llama 3 regex) + ByteLevel).
    func testTinyTokenizerJSONMatchesTokenizersLibrary() throws {
        let reference = try Reference("byte_level_bpe_tiny.json")
        for name in ["tokenizer_bytelevel_tiny.json", "tokenizer_bytelevel_tiny_split.json"] {
            let tokenizer = try Tokenizer(contentsOf: Fixtures.url(name, in: Bundle.module))
            XCTAssertNotNil(tokenizer.byteLevel, name)
            XCTAssertFalse(tokenizer.addsBOS, name)
            try assertMatches(tokenizer, reference, name)
        }
    }

    /// A GGUF-style metadata dictionary for the tiny tokenizer, to test the GGUF path without ../shared.
    func tinyMetadata() throws -> [String: GGUFValue] {
        let root = try XCTUnwrap(Fixtures.json("tokenizer_bytelevel_tiny.json", in: Bundle.module) as? [String: Any])
        let model = try XCTUnwrap(root["model"] as? [String: Any])
        let vocab = try XCTUnwrap(model["vocab"] as? [String: Int])
        var tokens = [String](repeating: "", count: vocab.count)
        for (piece, id) in vocab { tokens[id] = piece }
        let specials = Set((root["added_tokens"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
        let merges = try XCTUnwrap(model["merges"] as? [Any]).map { entry -> String in
            (entry as? String) ?? ((entry as? [String]) ?? []).joined(separator: " ")
        }
        return [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string("smollm"),
            "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
            "tokenizer.ggml.token_type": .array(tokens.indices.map { .int(specials.contains($0) ? 3 : 1) }),
            "tokenizer.ggml.merges": .array(merges.map { .string($0) }),
            "tokenizer.ggml.bos_token_id": .uint(1), "tokenizer.ggml.eos_token_id": .uint(2),
        ]
    }

    func testGGUFMetadataPathMatchesTokenizerJSON() throws {
        let reference = try Reference("byte_level_bpe_tiny.json")
        let tokenizer = try Tokenizer(ggufMetadata: try tinyMetadata(), file: "tiny.gguf")
        try assertMatches(tokenizer, reference, "tokenizer_bytelevel_tiny.json")
        XCTAssertFalse(tokenizer.addsBOS, "gpt2 models add no BOS unless add_bos_token says so")
        var metadata = try tinyMetadata()
        metadata["tokenizer.ggml.add_bos_token"] = .bool(true)
        XCTAssertEqual(try Tokenizer(ggufMetadata: metadata, file: "tiny.gguf").encode("hi", addBOS: true).first, 1)
    }

    /// decode(encode(x)) == x for random valid UTF-8: emoji with ZWJ and skin tones, CJK, Arabic,
    /// combining marks, controls, every kind of whitespace, digits and special tokens.
    func testRoundTripOfRandomText() throws {
        let tokenizer = try Tokenizer(contentsOf: Fixtures.url("tokenizer_bytelevel_tiny.json", in: Bundle.module))
        let alphabets: [[Unicode.Scalar]] = [
            "abcXYZ", "0123456789", " \t\n\r\u{0B}\u{0C}\u{85}\u{A0}\u{2028}\u{3000}", "'sSlLtT", "😀👍🏽\u{200D}👩❤️🏳️‍🌈",
            "中文日本語한국어", "مرحبا", "नमस्ते", "e\u{301}\u{308}\u{351}", "\u{0}\u{1}\u{4}\u{1F}\u{7F}\u{FEFF}\u{10FFFF}",
            ".,;:!?&#@<>|", "²½①٣", "ſ\u{17F}Kß",
        ].map { Array($0.unicodeScalars) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                text.append(alphabets.randomElement(using: &rng)!.randomElement(using: &rng)!)
            }
            let string = String(text)
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(string, addBOS: false)), string)
            // A special token between two copies is matched in the raw text and vanishes when decoding.
            let framed = tokenizer.encode(string + "<|im_end|>" + string, addBOS: false)
            XCTAssertEqual(framed.filter { $0 == tokenizer.id(forPiece: "<|im_end|>") }.count, 1)
            XCTAssertEqual(tokenizer.decode(framed), string + string)
        }
    }

    // MARK: bad input

    func assertJSONError(_ edit: (inout [String: Any]) -> Void, field: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var root = try XCTUnwrap(Fixtures.json("tokenizer_bytelevel_tiny.json", in: Bundle.module) as? [String: Any])
        edit(&root)
        let data = try JSONSerialization.data(withJSONObject: root)
        XCTAssertThrowsError(try Tokenizer(huggingFaceJSON: data, file: "bad.json"), file: file, line: line) { error in
            guard let error = error as? TokenizerError else { return XCTFail("not a TokenizerError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.file, "bad.json", file: file, line: line)
            XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
            XCTAssertTrue(error.reason.contains(mentions), "\(error)", file: file, line: line)
        }
    }

    func editModel(_ root: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var model = root["model"] as! [String: Any]
        edit(&model)
        root["model"] = model
    }

    func testBadTokenizerJSONNamesFileAndField() throws {
        try assertJSONError({ root in editModel(&root) { $0["merges"] = ["zz! q"] + ($0["merges"] as! [Any]) } },
                            field: "model.merges[0]", mentions: "\"zz!\" is not in the vocabulary")
        try assertJSONError({ root in editModel(&root) { $0["merges"] = ["a b c"] } }, field: "model.merges[0]", mentions: "not two pieces")
        try assertJSONError({ root in editModel(&root) { $0["merges"] = ["a"] } }, field: "model.merges[0]", mentions: "not two pieces")
        try assertJSONError({ root in editModel(&root) { $0["merges"] = ["q z"] + ($0["merges"] as! [Any]) } },
                            field: "model.merges[0]", mentions: "merge result \"qz\"")
        try assertJSONError({ root in editModel(&root) { $0["merges"] = nil } }, field: "model.merges", mentions: "missing")
        try assertJSONError({ root in
            editModel(&root) { model in
                var vocab = model["vocab"] as! [String: Int]
                let id = vocab.removeValue(forKey: "!")!
                let last = vocab.first { $0.value == vocab.count }!.key
                vocab[last] = id
                model["vocab"] = vocab
                model["merges"] = []
            }
        }, field: "model.vocab", mentions: "lacks \"!\"")
        try assertJSONError({ root in
            root["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": "\\w+"], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]]
        }, field: "pre_tokenizer[0]", mentions: "not a supported regex")
        try assertJSONError({ root in
            root["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Whitespace"], ["type": "ByteLevel"]]]
        }, field: "pre_tokenizer", mentions: "Whitespace + ByteLevel")
        try assertJSONError({ root in root["pre_tokenizer"] = ["type": "ByteLevel", "add_prefix_space": true] },
                            field: "pre_tokenizer[0]", mentions: "add_prefix_space")
    }

    func assertGGUFError(_ edit: (inout [String: GGUFValue]) -> Void, field: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var metadata = try tinyMetadata()
        edit(&metadata)
        XCTAssertThrowsError(try Tokenizer(ggufMetadata: metadata, file: "bad.gguf"), file: file, line: line) { error in
            guard let error = error as? TokenizerError else { return XCTFail("not a TokenizerError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.file, "bad.gguf", file: file, line: line)
            XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
            XCTAssertTrue(error.reason.contains(mentions), "\(error)", file: file, line: line)
        }
    }

    func testBadGGUFMetadataNamesFileAndField() throws {
        try assertGGUFError({ $0["tokenizer.ggml.pre"] = .string("falcon") }, field: "tokenizer.ggml.pre", mentions: "\"falcon\" is not supported (supported: gpt-2")
        try assertGGUFError({ $0["tokenizer.ggml.pre"] = nil }, field: "tokenizer.ggml.pre", mentions: "missing")
        try assertGGUFError({ $0["tokenizer.ggml.model"] = .string("bert") }, field: "tokenizer.ggml.model", mentions: "\"bert\" is not supported")
        try assertGGUFError({ $0["tokenizer.ggml.merges"] = nil }, field: "tokenizer.ggml.merges", mentions: "missing")
        try assertGGUFError({ $0["tokenizer.ggml.merges"] = .array([.string("ab")]) }, field: "tokenizer.ggml.merges[0]", mentions: "not two pieces")
        try assertGGUFError({ $0["tokenizer.ggml.merges"] = .array([.int(3)]) }, field: "tokenizer.ggml.merges[0]", mentions: "not two pieces")
        try assertGGUFError({ $0["tokenizer.ggml.merges"] = .array([.string("a <nope>")]) }, field: "tokenizer.ggml.merges[0]", mentions: "\"<nope>\" is not in the vocabulary")
        try assertGGUFError({ metadata in
            guard case .array(var tokens)? = metadata["tokenizer.ggml.tokens"] else { return }
            tokens[tokens.firstIndex(of: .string("Ġ"))!] = .string("▁")
            metadata["tokenizer.ggml.tokens"] = .array(tokens)
            metadata["tokenizer.ggml.merges"] = .array([])
        }, field: "tokenizer.ggml.tokens", mentions: "lacks \"Ġ\"")
    }

    /// Encode throughput on the fixture corpus (printed, not asserted: the machine is shared).
    func testEncodeSpeedOnCorpus() throws {
        let reference = try Reference("byte_level_bpe_smollm2.json")
        let tokenizer = try Tokenizer.forModel(at: try SharedAssets.require(ByteLevelBPETests.ggufPath).path)
        let corpus = Array(repeating: reference.strings, count: 50).flatMap { $0 }
        let bytes = corpus.reduce(0) { $0 + $1.utf8.count }
        let start = Date()
        var tokens = 0
        for text in corpus { tokens += tokenizer.encode(text, addBOS: false).count }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "byte-level encode: %d strings, %.2f MB, %d tokens in %.3f s: %.2f MB/s, %.0f tokens/s",
                     corpus.count, Double(bytes) / 1e6, tokens, seconds, Double(bytes) / 1e6 / seconds, Double(tokens) / seconds))
    }
}
