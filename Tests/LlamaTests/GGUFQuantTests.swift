import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// GGUF block types decoded against the `gguf` package (llama.cpp's gguf-py), bit for bit, and
/// damaged quantized files refused by name. Fixtures: Scripts/fixtures/gguf_quants.py.
final class GGUFQuantTests: XCTestCase {
    struct Case {
        let type: GGUFTensorType
        let shape: [Int]
        let blocks: [UInt8]
        let values: [UInt32]
    }

    static let cases: [Case] = {
        let json = try! Fixtures.json("gguf_quants.json", in: .module) as! [String: Any]
        return (json["cases"] as! [[String: Any]]).map { c in
            let values = Data(base64Encoded: c["values"] as! String)!
            return Case(type: GGUFTensorType(rawValue: UInt32(c["typeID"] as! Int))!, shape: c["shape"] as! [Int],
                        blocks: [UInt8](Data(base64Encoded: c["blocks"] as! String)!),
                        values: values.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) })
        }
    }()

    func assertBits(_ got: UnsafeBufferPointer<Float>, _ expected: [UInt32], _ label: String, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, label, line: line)
        let bad = zip(got, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1 }
        if let (i, (g, e)) = bad.first {
            XCTFail("\(label): \(bad.count) of \(expected.count) values differ; first at \(i): \(g) (0x\(String(g.bitPattern, radix: 16))) vs \(Float(bitPattern: e)) (0x\(String(e, radix: 16)))", line: line)
        }
    }

    func testEveryTypeIsCovered() {
        XCTAssertEqual(Set(Self.cases.map(\.type)), [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .bf16])
    }

    /// The block decoders give the gguf package's `dequantize` output bit for bit, outliers, zero,
    /// constant, tiny and subnormal-scale blocks included.
    func testBlockDecodersMatchTheGGUFPackageBitForBit() {
        for c in Self.cases {
            let n = c.shape.reduce(1, *)
            XCTAssertEqual(c.blocks.count, c.type.rowBytes(c.shape[1])! * c.shape[0], c.type.name)
            var out = [Float](repeating: .nan, count: n)
            c.blocks.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer { c.type.dequantize(blocks: n / c.type.blockSize, from: src.baseAddress!, into: $0.baseAddress!) }
            }
            out.withUnsafeBufferPointer { assertBits($0, c.values, c.type.name) }
        }
    }

    /// The written-out fp16 conversion the decoders use agrees with Swift's `Float16` on every
    /// non-NaN bit pattern (subnormals, zeros and infinities included).
    func testScaleConversionMatchesFloat16() {
        for bits in 0...UInt16.max where !Float16(bitPattern: bits).isNaN {
            let got = withUnsafeBytes(of: bits.littleEndian) { GGUFBlocks.half($0.baseAddress!, 0) }
            if got.bitPattern != Float(Float16(bitPattern: bits)).bitPattern { XCTFail("fp16 0x\(String(bits, radix: 16)): \(got)"); return }
        }
    }

    /// A decode that starts mid-tensor (as the threaded and row-wise paths do) gives the same values.
    func testDecodingFromAnyBlockMatches() {
        for c in Self.cases {
            let skip = 3, n = c.shape.reduce(1, *) - skip * c.type.blockSize
            var out = [Float](repeating: .nan, count: n)
            c.blocks.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer {
                    c.type.dequantize(blocks: n / c.type.blockSize, from: src.baseAddress! + skip * c.type.bytesPerBlock, into: $0.baseAddress!)
                }
            }
            out.withUnsafeBufferPointer { assertBits($0, Array(c.values.dropFirst(skip * c.type.blockSize)), c.type.name) }
        }
    }

    /// A GGUF written by `gguf.GGUFWriter` with one tensor per type reads back through `GGUFFile.tensor`
    /// with the reference values and shapes.
    func testGGUFWriterFileReadsEveryTypeBitForBit() throws {
        let file = try GGUFFile(path: Fixtures.url("gguf_quants.gguf", in: .module).path)
        XCTAssertEqual(file.tensors.count, Self.cases.count)
        for c in Self.cases {
            let name = c.type.name.lowercased()
            XCTAssertEqual(file.tensors[name]?.type, c.type, name)
            let t = try file.tensor(name)
            XCTAssertEqual(t.shape, c.shape, name)
            t.contiguous().withUnsafeBufferPointer { assertBits($0, c.values, name) }
        }
    }

    /// Three tensors of the shared SmolLM2 Q4_1 GGUF (Q8_0 embedding, Q4_1 projections) against the gguf
    /// package's dequantization of the same file: first values, samples across the tensor and the exact
    /// sum of every value's bit pattern.
    func testSmolLM2TensorsMatchTheGGUFPackage() throws {
        let url = try SharedAssets.require("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        let file = try GGUFFile(path: url.path)
        let reference = try Fixtures.json("gguf_smollm2_reference.json", in: .module) as! [String: Any]
        for r in reference["tensors"] as! [[String: Any]] {
            let name = r["name"] as! String
            XCTAssertEqual(file.tensors[name]?.type.name, r["type"] as? String, name)
            let t = try file.tensor(name)
            XCTAssertEqual(t.count, r["count"] as! Int, name)
            t.withUnsafeBufferPointer { p in
                XCTAssertEqual(p.prefix(16).map(\.bitPattern), (r["first16Bits"] as! [Int]).map(UInt32.init), name)
                let picks = r["sampleIndices"] as! [Int]
                XCTAssertEqual(picks.map { p[$0].bitPattern }, (r["sampleBits"] as! [Int]).map(UInt32.init), name)
                var sum: UInt64 = 0
                for v in p { sum &+= UInt64(v.bitPattern) }
                XCTAssertEqual(sum, (r["bitSum"] as! NSNumber).uint64Value, name)
            }
        }
    }

    /// The whole SmolLM2 model loads from its GGUF with the architecture in its header, and the q rows
    /// come out in rotate-half order: row h*64 + j*32 + i of the model is row h*64 + 2i + j of the file.
    func testSmolLM2Loads() throws {
        let url = try SharedAssets.require("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        let file = try GGUFFile(path: url.path)
        let names = file.tensors.keys.sorted()
        _ = try names.map { try file.tensor($0) }   // first touch of the mapping, so the timing below is the decoders'
        var start = Date()
        let all = try names.map { try file.tensor($0) }
        print("SmolLM2-135M Q4_1 GGUF: \(all.count) tensors, \(all.reduce(0) { $0 + $1.count }) values dequantized in \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        start = Date()
        let model = try ModelLoader.load(url.path)
        print("SmolLM2-135M Q4_1 GGUF: loaded (dequantized, q/k reordered, checked) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        let c = model.config
        XCTAssertEqual([c.numLayers, c.hiddenSize, c.intermediateSize, c.numHeads, c.numKVHeads, c.vocabSize], [30, 576, 1536, 9, 3, 49152])
        XCTAssertTrue(c.tieWordEmbeddings)
        let raw = try file.tensor("blk.0.attn_q.weight")
        let q = model.weights["model.layers.0.self_attn.q_proj.weight"]!
        for (h, i, j) in [(0, 0, 1), (4, 13, 0), (8, 31, 1)] {
            for col in [0, 17, 575] { XCTAssertEqual(q[h * 64 + j * 32 + i, col].bitPattern, raw[h * 64 + 2 * i + j, col].bitPattern) }
        }
    }

    // MARK: Bad input

    func writeTemporary(_ data: Data, _ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)-\(name)")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func assertFormatError(_ body: @autoclosure () throws -> Any, _ words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertTrue(error is FormatError, "\(error)", line: line)
            for w in words { XCTAssertTrue("\(error)".contains(w), "\(error) lacks \(w)", line: line) }
        }
    }

    func testRowsThatAreNotWholeBlocksAreNamed() throws {
        let data = BadCheckpointTests.GGUFBuilder.file(kv: [], tensors: [("blk.0.ffn_up.weight", [4, 40], 3, 0)], dataBytes: 512)
        let path = try writeTemporary(data, "partial.gguf")
        assertFormatError(try GGUFFile(path: path), ["partial.gguf", "blk.0.ffn_up.weight", "40", "Q4_1", "32"])
    }

    func testTruncatedBlockDataIsNamed() throws {
        let data = try Data(contentsOf: Fixtures.url("gguf_quants.gguf", in: .module))
        let path = try writeTemporary(data.prefix(data.count - 100), "cut.gguf")
        // Tensors are written in the fixture's order, so the last one (Q6_K) is the one cut.
        assertFormatError(try GGUFFile(path: path), ["cut.gguf", "q6_k", "Q6_K", "past the end"])
    }

    func testTypesWithoutADecoderAreRefusedByName() throws {
        let data = BadCheckpointTests.GGUFBuilder.file(
            kv: [], tensors: [("a.weight", [256], 15, 0), ("b.weight", [32], 9, 320), ("c.weight", [8], 26, 384)], dataBytes: 512)
        let path = try writeTemporary(data, "nodecoder.gguf")
        let file = try GGUFFile(path: path)
        for (name, type) in [("a.weight", "Q8_K"), ("b.weight", "Q8_1"), ("c.weight", "I32")] {
            assertFormatError(try file.tensor(name), ["nodecoder.gguf", name, type, "no dequantizer"])
        }
    }
}
