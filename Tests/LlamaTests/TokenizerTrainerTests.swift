import Foundation
import TestSupport
import XCTest
@testable import Llama

/// TokenizerTrainer and the tokenizer.bin writer against an independent BPE trainer and
/// sentencepiece encoding with the learned vocabulary (Scripts/fixtures/bpe_trainer_reference.py).
final class TokenizerTrainerTests: XCTestCase {
    struct Reference: Decodable {
        struct Encoding: Decodable { let text: String; let ids: [Int] }
        let texts: [String]
        let vocab_size: Int
        let pieces: [String]
        let merges: Int
        let encodings: [Encoding]
    }

    func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("bpe_trainer_reference.json", in: .module)))
    }

    func testLearnsTheReferencePieces() throws {
        let ref = try reference()
        let tokenizer = TokenizerTrainer.train(texts: ref.texts, vocabularySize: ref.vocab_size)
        XCTAssertEqual(tokenizer.pieces, ref.pieces)
        XCTAssertEqual(Array(tokenizer.pieces.prefix(3)), ["<unk>", "<s>", "</s>"])
        XCTAssertEqual(tokenizer.types[3], .byte)
        XCTAssertEqual(tokenizer.pieces[3 + 0x0A], "<0x0A>")
    }

    func testTokenizerBinRoundTripEncodesLikeSentencePiece() throws {
        let ref = try reference()
        let trained = TokenizerTrainer.train(texts: ref.texts, vocabularySize: ref.vocab_size)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trained-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try trained.writeLlama2cBinary(to: url)
        let loaded = try Tokenizer(contentsOf: url)
        XCTAssertEqual(loaded.pieces, trained.pieces)
        XCTAssertEqual(loaded.scores, trained.scores)
        XCTAssertEqual(loaded.types, trained.types)
        XCTAssertEqual([loaded.unknownID, loaded.bosID, loaded.eosID], [0, 1, 2])
        XCTAssertTrue(loaded.byteFallback)
        for e in ref.encodings {
            XCTAssertEqual(loaded.encode(e.text, addBOS: false), e.ids, "text \(e.text.debugDescription)")
            XCTAssertEqual(loaded.decode(loaded.encode(e.text)), e.text)
        }
    }

    func testMergesShortenTheTrainingText() throws {
        let ref = try reference()
        let tokenizer = TokenizerTrainer.train(texts: ref.texts, vocabularySize: ref.vocab_size)
        let charactersOnly = TokenizerTrainer.train(texts: ref.texts, vocabularySize: 259 + Set(ref.texts.joined().unicodeScalars).count)
        let text = ref.texts[0]
        XCTAssertGreaterThan(ref.merges, 0)
        XCTAssertLessThan(tokenizer.encode(text).count * 2, charactersOnly.encode(text).count)
    }
}
