import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// Damaged or inconsistent checkpoints must throw a `FormatError` naming the file and the
/// tensor or field, never crash or yield a partial model.
final class BadCheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func assertThrows(_ path: String, mentioning words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try ModelLoader.load(path), line: line) { error in
            let text = String(describing: error)
            XCTAssertTrue(error is FormatError, text, line: line)
            XCTAssertTrue(text.contains((path as NSString).lastPathComponent), "\(text) lacks the file name", line: line)
            for w in words { XCTAssertTrue(text.contains(w), "\(text) lacks \(w)", line: line) }
        }
    }

    /// The tiny fixture's tensors with `edit` applied, written as a Hugging Face directory.
    func tinyDirectory(_ edit: (inout [String: Tensor]) -> Void) throws -> String {
        let source = Fixtures.url("llama_tiny", in: .module)
        let file = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var tensors = Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor($0)) })
        edit(&tensors)
        let out = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: out.appendingPathComponent("config.json"))
        try SafeTensorsWriter.write(tensors.map { .init(name: $0.key, tensor: $0.value) }, to: out.appendingPathComponent("model.safetensors"))
        return out.path
    }

    func testMissingTensorIsNamed() throws {
        let path = try tinyDirectory { $0["model.layers.1.mlp.up_proj.weight"] = nil }
        assertThrows(path, mentioning: ["model.layers.1.mlp.up_proj.weight", "missing"])
    }

    func testShapeDisagreeingWithConfigIsNamed() throws {
        let path = try tinyDirectory { $0["model.layers.0.self_attn.k_proj.weight"] = Tensor(zeros: [32, 32]) }
        assertThrows(path, mentioning: ["model.layers.0.self_attn.k_proj.weight", "[32, 32]", "[16, 32]"])
    }

    func testBadConfigFieldIsNamed() throws {
        let path = try tinyDirectory { _ in }
        let url = URL(fileURLWithPath: path).appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["num_key_value_heads"] = 3
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        assertThrows(path, mentioning: ["config.json", "num_key_value_heads"])
    }

    func testTruncatedLlama2CCheckpointNamesTheTensor() throws {
        let source = try SharedAssets.require("models/stories260K/stories260K.bin")
        let data = try Data(contentsOf: source)
        let path = dir.appendingPathComponent("cut.bin").path
        // 28-byte header + embedding 512x64 + rms_att 5x64 floats, then cut inside wq.
        try data.prefix(28 + 4 * (512 * 64 + 5 * 64) + 100).write(to: URL(fileURLWithPath: path))
        assertThrows(path, mentioning: ["wq", "truncated"])
        try data.prefix(10).write(to: URL(fileURLWithPath: path))
        assertThrows(path, mentioning: ["header"])
    }

    // MARK: GGUF

    /// A GGUF v3 file from parts, so each field can be damaged on its own.
    struct GGUFBuilder {
        var data = Data("GGUF".utf8)
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); data.append(contentsOf: s.utf8) }
        mutating func pad(to alignment: Int) { while data.count % alignment != 0 { data.append(0) } }

        /// tensors: (name, row-major shape, type, offset)
        static func file(kv: [(String, UInt32, (inout GGUFBuilder) -> Void)], tensors: [(String, [Int], UInt32, UInt64)], dataBytes: Int) -> Data {
            var b = GGUFBuilder()
            b.u32(3)
            b.u64(UInt64(tensors.count))
            b.u64(UInt64(kv.count))
            for (key, type, write) in kv { b.string(key); b.u32(type); write(&b) }
            for (name, shape, type, offset) in tensors {
                b.string(name)
                b.u32(UInt32(shape.count))
                for d in shape.reversed() { b.u64(UInt64(d)) }
                b.u32(type)
                b.u64(offset)
            }
            b.pad(to: 32)
            b.data.append(Data(repeating: 0, count: dataBytes))
            return b.data
        }
    }

    func writeGGUF(_ data: Data) throws -> String {
        let path = dir.appendingPathComponent("bad.gguf").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testGGUFOverlappingTensorsAreNamed() throws {
        let data = GGUFBuilder.file(kv: [("general.architecture", 8, { $0.string("llama") })],
                                    tensors: [("a.weight", [4, 8], 0, 0), ("b.weight", [4, 8], 0, 64)], dataBytes: 256)
        XCTAssertThrowsError(try GGUFFile(path: try writeGGUF(data))) { error in
            XCTAssertTrue("\(error)".contains("bad.gguf") && "\(error)".contains("overlaps"), "\(error)")
        }
    }

    func testGGUFTensorPastTheEndIsNamed() throws {
        let data = GGUFBuilder.file(kv: [], tensors: [("blk.0.attn_q.weight", [64, 64], 0, 0)], dataBytes: 128)
        XCTAssertThrowsError(try GGUFFile(path: try writeGGUF(data))) { error in
            XCTAssertTrue("\(error)".contains("blk.0.attn_q.weight") && "\(error)".contains("past the end"), "\(error)")
        }
    }

    func testGGUFUnknownTensorTypeIsNamed() throws {
        let data = GGUFBuilder.file(kv: [], tensors: [("token_embd.weight", [4, 8], 99, 0)], dataBytes: 256)
        XCTAssertThrowsError(try GGUFFile(path: try writeGGUF(data))) { error in
            XCTAssertTrue("\(error)".contains("token_embd.weight") && "\(error)".contains("unknown tensor type id 99"), "\(error)")
        }
    }

    func testGGUFUnknownMetadataTypeAndTruncationAreNamed() throws {
        let data = GGUFBuilder.file(kv: [("llama.block_count", 42, { $0.u32(1) })], tensors: [], dataBytes: 0)
        XCTAssertThrowsError(try GGUFFile(path: try writeGGUF(data))) { error in
            XCTAssertTrue("\(error)".contains("llama.block_count") && "\(error)".contains("unknown metadata value type 42"), "\(error)")
        }
        let long = GGUFBuilder.file(kv: [("general.name", 8, { $0.u64(1 << 40) })], tensors: [], dataBytes: 0)
        XCTAssertThrowsError(try GGUFFile(path: try writeGGUF(long))) { error in
            XCTAssertTrue("\(error)".contains("general.name"), "\(error)")
        }
    }

    func testEveryTruncationOfTheStoriesGGUFThrows() throws {
        let source = try SharedAssets.require("models/stories260K/derived/gguf/stories260K-f32.gguf")
        let data = try Data(contentsOf: source)
        let path = dir.appendingPathComponent("cut.gguf")
        for length in [5, 24, 100, 1000, 5000, 20000, data.count - 1] {
            try data.prefix(length).write(to: path)
            XCTAssertThrowsError(try ModelLoader.load(path.path), "length \(length)") { error in
                XCTAssertTrue(error is FormatError && "\(error)".contains("cut.gguf"), "\(error)")
            }
        }
    }

    func testStoriesGGUFMetadataIncludesTheTokenizer() throws {
        let file = try GGUFFile(path: try SharedAssets.require("models/stories260K/derived/gguf/stories260K-f32.gguf").path)
        XCTAssertEqual(file.metadata["tokenizer.ggml.model"], .string("llama"))
        XCTAssertEqual(file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count, 512)
        XCTAssertEqual(file.metadata["tokenizer.ggml.tokens"]?.arrayValue?[403].stringValue, "\u{2581}Once")
        XCTAssertEqual(file.metadata["tokenizer.ggml.bos_token_id"]?.intValue, 1)
    }
}

extension BadCheckpointTests {
    func testSafeTensorsShapeWhoseByteSizeOverflowsIsNamed() throws {
        let json = #"{"huge":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#
        var d = Data()
        var n = UInt64(json.utf8.count).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(Data(json.utf8))
        d.append(Data(repeating: 0, count: 4))
        let url = dir.appendingPathComponent("huge.safetensors")
        try d.write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("huge.safetensors") && "\(error)".contains("huge: shape"), "\(error)")
        }
    }
}
