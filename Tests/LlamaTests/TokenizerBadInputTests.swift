import Foundation
import Llama
import TestSupport
import XCTest

/// Corrupt files must throw a `TokenizerError` naming the file and the field, never trap.
final class TokenizerBadInputTests: XCTestCase {
    private func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Fixtures.url(name, in: Bundle.module))
    }

    private func assertThrows(_ expression: @autoclosure () throws -> Tokenizer, file name: String, fieldPrefix: String,
                              reason: String? = nil, line: UInt = #line) {
        do {
            _ = try expression()
            XCTFail("expected an error about \(fieldPrefix)", line: line)
        } catch let error as TokenizerError {
            XCTAssertEqual(error.file, name, line: line)
            XCTAssertTrue(error.field.hasPrefix(fieldPrefix), "field \(error.field), expected \(fieldPrefix)...", line: line)
            if let reason { XCTAssertTrue(error.reason.contains(reason), "reason \(error.reason), expected \(reason)", line: line) }
            XCTAssertTrue(error.description.contains(name), line: line)
        } catch {
            XCTFail("unexpected error type \(error)", line: line)
        }
    }

    /// A ModelProto with one piece: field 1 (pieces), length-delimited, holding piece/score/type.
    private func model(piece: [UInt8]) -> Data {
        Data([0x0A, UInt8(piece.count)] + piece)
    }

    func testTruncatedProtobufInsideAPiece() throws {
        let data = try fixture("tokenizer_tiny_llama.model")
        // Piece 0 starts at byte 2; cutting 3 bytes later lands inside its length-delimited payload.
        assertThrows(try Tokenizer(sentencePieceModel: data.prefix(5), file: "tiny.model"),
                     file: "tiny.model", fieldPrefix: "ModelProto.pieces[0]", reason: "runs past the end")
    }

    func testEveryTruncationThrowsOrParses() throws {
        let data = try fixture("tokenizer_tiny_llama.model")
        var thrown = 0
        for length in stride(from: 0, to: data.count, by: 7) {
            do {
                _ = try Tokenizer(sentencePieceModel: data.prefix(length), file: "tiny.model")
            } catch let error as TokenizerError {
                XCTAssertEqual(error.file, "tiny.model")
                thrown += 1
            }
        }
        XCTAssertGreaterThan(thrown, data.count / 7 / 2)
    }

    func testWrongWireTypeForPieces() {
        // Field 1 with wire type 0 (varint) instead of 2.
        assertThrows(try Tokenizer(sentencePieceModel: Data([0x08, 0x01]), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.pieces[0]", reason: "wire type 0")
    }

    func testWrongWireTypeForScore() {
        // piece "a", then score (field 2) as a varint instead of fixed32.
        let piece: [UInt8] = [0x0A, 0x01, 0x61, 0x10, 0x05]
        assertThrows(try Tokenizer(sentencePieceModel: model(piece: piece), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.pieces[0].score", reason: "wire type 0")
    }

    func testUnknownPieceTypeAndUnknownWireType() {
        assertThrows(try Tokenizer(sentencePieceModel: model(piece: [0x0A, 0x01, 0x61, 0x18, 0x09]), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.pieces[0].type", reason: "unknown piece type 9")
        assertThrows(try Tokenizer(sentencePieceModel: Data([0x0F, 0x00]), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto", reason: "unknown wire type 7")
    }

    func testMissingTrainerSpecMeansUnigramAndIsRejected() {
        // One UNKNOWN piece and no trainer_spec: the proto default model type is UNIGRAM.
        assertThrows(try Tokenizer(sentencePieceModel: model(piece: [0x0A, 0x01, 0x61, 0x18, 0x02]), file: "x.model"),
                     file: "x.model", fieldPrefix: "ModelProto.trainer_spec.model_type")
    }

    func testInvalidUTF8PieceAndBadLength() {
        assertThrows(try Tokenizer(sentencePieceModel: model(piece: [0x0A, 0x01, 0xFF]), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.pieces[0].piece", reason: "UTF-8")
        assertThrows(try Tokenizer(sentencePieceModel: Data([0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.trainer_spec", reason: "runs past the end")
        assertThrows(try Tokenizer(sentencePieceModel: Data([0x12] + [UInt8](repeating: 0xFF, count: 11)), file: "bad.model"),
                     file: "bad.model", fieldPrefix: "ModelProto.trainer_spec", reason: "varint")
    }

    private func llama2cEntry(_ piece: String, score: Float) -> [UInt8] {
        let bytes = Array(piece.utf8)
        return withUnsafeBytes(of: score.bitPattern.littleEndian, Array.init)
            + withUnsafeBytes(of: Int32(bytes.count).littleEndian, Array.init) + bytes
    }

    func testTruncatedTokenizerBin() throws {
        let header = withUnsafeBytes(of: Int32(5).littleEndian, Array.init)
        let full = header + llama2cEntry("<unk>", score: 0) + llama2cEntry("hello", score: -1)
        XCTAssertEqual(try Tokenizer(llama2cTokenizer: Data(full), file: "t.bin").vocabularySize, 2)
        assertThrows(try Tokenizer(llama2cTokenizer: Data(full.dropLast(2)), file: "t.bin"),
                     file: "t.bin", fieldPrefix: "vocab[1].length", reason: "runs past the end")
        assertThrows(try Tokenizer(llama2cTokenizer: Data(full.prefix(header.count + 10)), file: "t.bin"),
                     file: "t.bin", fieldPrefix: "vocab[0].length")
        assertThrows(try Tokenizer(llama2cTokenizer: Data(full.prefix(header.count + 6)), file: "t.bin"),
                     file: "t.bin", fieldPrefix: "vocab[0].length", reason: "truncated")
        assertThrows(try Tokenizer(llama2cTokenizer: Data(header.prefix(2)), file: "t.bin"),
                     file: "t.bin", fieldPrefix: "max_token_length", reason: "truncated")
        assertThrows(try Tokenizer(llama2cTokenizer: Data(full), file: "t.bin", vocabularySize: 3),
                     file: "t.bin", fieldPrefix: "vocab", reason: "expected exactly 3")
    }

    func testTruncatedStories260KTokenizerBin() throws {
        let data = try Data(contentsOf: try SharedAssets.require("models/stories260K/tok512.bin"))
        assertThrows(try Tokenizer(llama2cTokenizer: data.dropLast(1), file: "tok512.bin"),
                     file: "tok512.bin", fieldPrefix: "vocab[511]", reason: "runs past the end")
        assertThrows(try Tokenizer(llama2cTokenizer: data.dropLast(3), file: "tok512.bin", vocabularySize: 512),
                     file: "tok512.bin", fieldPrefix: "vocab[511]")
    }

    func testCorruptTokenizerJSON() throws {
        let data = try fixture("tokenizer_tiny.json")
        assertThrows(try Tokenizer(huggingFaceJSON: data.prefix(data.count / 2), file: "t.json"),
                     file: "t.json", fieldPrefix: "model.vocab", reason: "invalid JSON")
        assertThrows(try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "Unigram"}}"#.utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "model.type")
        assertThrows(try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}"#.utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "model.vocab")
        assertThrows(try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#.utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "model.merges[0]")
        assertThrows(try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 2, "content": "<pad>"}]}"#.utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "model.vocab", reason: "no piece has id 1")
        assertThrows(try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 0, "content": "b"}]}"#.utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "added_tokens[0]", reason: "differs")
        let extended = try Tokenizer(huggingFaceJSON: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 1, "content": "<pad>", "special": true}]}"#.utf8), file: "t.json")
        XCTAssertEqual(extended.vocabularySize, 2)
        XCTAssertEqual(extended.types[1], .control)
        assertThrows(try Tokenizer(huggingFaceJSON: Data((String(repeating: "[", count: 100_000)).utf8), file: "t.json"),
                     file: "t.json", fieldPrefix: "[0][0][0][0][0][0]…", reason: "nesting")
    }

    func testUnreadableFileNamesThePath() {
        let path = "/nonexistent/tokenizer.model"
        assertThrows(try Tokenizer(contentsOf: URL(fileURLWithPath: path)), file: path, fieldPrefix: "file")
    }
}
