import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// 4-bit models against bitsandbytes: the "bnb-4bit" directories in Fixtures were quantized and
/// saved by transformers + bitsandbytes (Scripts/fixtures/quant_model.py) from the dense tiny-llama,
/// and tiny_llama_bnb4_reference.json holds the logits PyTorch computes with them.
final class QuantizedCheckpointTests: XCTestCase {
    let settings: [(dir: String, type: QuantType, double: Bool)] = [("tiny-llama-nf4", .nf4, true), ("tiny-llama-fp4", .fp4, false)]

    func reference() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("tiny_llama_bnb4_reference.json", in: .module))) as! [String: Any]
    }

    func dense() throws -> LlamaModel { try HuggingFaceLoader.load(directory: Fixtures.url("tiny-llama", in: .module)) }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quantckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// (dtype, shape, bytes) of every tensor of a safetensors file.
    func contents(_ url: URL) throws -> [String: (String, [Int], [UInt8])] {
        let f = try SafeTensorsFile(path: url.path)
        return try Dictionary(uniqueKeysWithValues: f.names.map { ($0, (f.entries[$0]!.dtype.rawValue, f.entries[$0]!.shape, Array(try f.rawBytes($0)))) })
    }

    func assertSameContents(_ ours: URL, _ theirs: URL, line: UInt = #line) throws {
        let a = try contents(ours), b = try contents(theirs)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), line: line)
        for (key, (dtype, shape, bytes)) in b {
            guard let mine = a[key] else { continue }
            XCTAssertEqual(mine.0, dtype, key, line: line)
            XCTAssertEqual(mine.1, shape, key, line: line)
            XCTAssertTrue(mine.2 == bytes, "\(key): bytes differ from bitsandbytes'", line: line)
        }
    }

    func testBitsAndBytesCheckpointsLoadAndMatchPyTorchLogits() throws {
        let ref = try reference()
        let prompt = ref["prompt"] as! [Int]
        for s in settings {
            let model = try HuggingFaceLoader.load(directory: Fixtures.url(s.dir, in: .module))
            XCTAssertEqual(model.linears.count, 14)
            for (path, layer) in model.linears {
                let q = try XCTUnwrap(layer as? QuantizedLinear, path).weight
                XCTAssertEqual(q.quantType, s.type)
                if case .double = q.scales { XCTAssertTrue(s.double) } else { XCTAssertFalse(s.double) }
            }
            XCTAssertEqual(Set(model.tensors.keys).count, 7, "embedding, head and norms stay dense")
            let expected = ((ref[s.type.rawValue] as! [String: Any])["logits"] as! [[Double]]).flatMap { $0.map(Float.init) }
            let worst = zip(model.logits(prompt).scalars, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(s.dir): max |logit error| \(worst)")
        }
    }

    func testOurQuantizedModelSavesBitsAndBytesBytes() throws {
        let base = try dense()
        for s in settings {
            let dir = try tempDir()
            let summary = try QuantizedCheckpoint.save(base.quantized(type: s.type, blocksize: 64, doubleQuant: s.double), directory: dir)
            let theirs = try Fixtures.url(s.dir, in: .module)
            try assertSameContents(dir.appendingPathComponent("model.safetensors"), theirs.appendingPathComponent("model.safetensors"))
            let ours = try HuggingFaceLoader.readJSONObject(dir.appendingPathComponent("config.json"))["quantization_config"] as! NSDictionary
            let bnb = try HuggingFaceLoader.readJSONObject(theirs.appendingPathComponent("config.json"))["quantization_config"] as! NSDictionary
            XCTAssertEqual(ours, bnb)
            // Python readers need the same spelling too (transformers refuses an integer llm_int8_threshold).
            func block(_ url: URL) throws -> Substring {
                let text = try String(contentsOf: url.appendingPathComponent("config.json"), encoding: .utf8)
                let start = try XCTUnwrap(text.range(of: "\"quantization_config\": {"))
                return text[start.lowerBound..<text[start.upperBound...].firstIndex(of: "}")!]
            }
            XCTAssertEqual(try block(dir), try block(theirs))
            XCTAssertEqual(summary.tensorsQuantized, 14)
            XCTAssertEqual(summary.quantizedParameters, 2 * (32 * 32 * 2 + 16 * 32 * 2 + 3 * 48 * 32))
            let file = dir.appendingPathComponent("single.safetensors")
            try QuantizedCheckpoint.save(base.quantized(type: s.type, doubleQuant: s.double), file: file)
            try assertSameContents(file, theirs.appendingPathComponent("model.safetensors"))
        }
    }

    func testSavedCheckpointLoadsBackWithIdenticalLogits() throws {
        let quantized = try dense().quantized(type: .nf4)
        let dir = try tempDir()
        try QuantizedCheckpoint.save(quantized, directory: dir)
        let loaded = try HuggingFaceLoader.load(directory: dir)
        let prompt = [1, 17, 5, 42, 8, 33, 9]
        XCTAssertEqual(loaded.logits(prompt).scalars, quantized.logits(prompt).scalars)
        XCTAssertEqual(loaded.config, quantized.config)
    }

    func testShardedCheckpointWithAWeightSplitAcrossShardsLoads() throws {
        let source = try Fixtures.url("tiny-llama-nf4", in: .module)
        let f = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        let dir = try tempDir()
        var shards: [[SafeTensorsWriter.Item]] = [[], []]
        var map: [String: String] = [:]
        // Alternating by name puts the pieces of one quantized weight into both shards.
        for (i, name) in f.names.enumerated() {
            shards[i % 2].append(SafeTensorsWriter.Item(name: name, dtype: f.entries[name]!.dtype, shape: f.entries[name]!.shape, bytes: Data(try f.rawBytes(name))))
            map[name] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
        }
        for (i, items) in shards.enumerated() {
            try SafeTensorsWriter.write(items, to: dir.appendingPathComponent("model-0000\(i + 1)-of-00002.safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["weight_map": map]).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let sharded = try HuggingFaceLoader.load(directory: dir)
        let single = try HuggingFaceLoader.load(directory: source)
        XCTAssertTrue(sharded.linears.values.allSatisfy { $0 is QuantizedLinear })
        XCTAssertEqual(sharded.logits([1, 17, 5, 42]).scalars, single.logits([1, 17, 5, 42]).scalars)
    }

    func testQuantizingKeepsEmbeddingNormsAndHeadAndAlreadyQuantizedLayers() throws {
        let base = try dense()
        let q = try base.quantized(type: .fp4, blocksize: 128, doubleQuant: false)
        XCTAssertEqual(Set(q.tensors.keys), Set(base.tensors.keys))
        for (name, t) in base.tensors { XCTAssertEqual(q.tensors[name]!.scalars, t.scalars, name) }
        XCTAssertTrue(q.linears.values.allSatisfy { ($0 as? QuantizedLinear)?.weight.blocksize == 128 })
        let again = try q.quantized(type: .fp4, blocksize: 128, doubleQuant: false)
        XCTAssertEqual(again.logits([1, 2, 3]).scalars, q.logits([1, 2, 3]).scalars)
        XCTAssertThrowsError(try q.quantized(type: .nf4)) { error in
            XCTAssertTrue((error as? QuantStateError)?.reason.contains("already quantized") == true, "\(error)")
        }
    }

    // MARK: bad input

    func assertQuantStateError(_ tensor: String, _ reason: String, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard let e = error as? QuantStateError else { return XCTFail("unexpected error \(error)", line: line) }
            XCTAssertEqual(e.tensor, tensor, line: line)
            XCTAssertTrue(e.reason.contains(reason), "reason '\(e.reason)' lacks '\(reason)'", line: line)
        }
    }

    /// A copy of the NF4 fixture directory whose tensors went through `edit` (name -> item or nil to drop).
    func editedCheckpoint(config: ((inout [String: Any]) -> Void)? = nil,
                          _ edit: (SafeTensorsWriter.Item) -> SafeTensorsWriter.Item?) throws -> URL {
        let source = try Fixtures.url("tiny-llama-nf4", in: .module)
        let f = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        let items = try f.names.compactMap { name in
            edit(SafeTensorsWriter.Item(name: name, dtype: f.entries[name]!.dtype, shape: f.entries[name]!.shape, bytes: Data(try f.rawBytes(name))))
        }
        let dir = try tempDir()
        try SafeTensorsWriter.write(items, to: dir.appendingPathComponent("model.safetensors"))
        var json = try HuggingFaceLoader.readJSONObject(source.appendingPathComponent("config.json"))
        config?(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("config.json"))
        return dir
    }

    let weight = "model.layers.1.mlp.up_proj.weight"
    var stateKey: String { weight + ".quant_state.bitsandbytes__nf4" }

    func replacingState(_ transform: (String) -> String) throws -> URL {
        try editedCheckpoint { item in
            guard item.name == self.stateKey else { return item }
            let json = Data(transform(String(decoding: item.bytes, as: UTF8.self)).utf8)
            return SafeTensorsWriter.Item(name: item.name, dtype: .uint8, shape: [json.count], bytes: json)
        }
    }

    func testQuantStateDisagreeingWithDataThrowsNamingTheTensor() throws {
        let shape = try replacingState { $0.replacingOccurrences(of: "[48, 32]", with: "[48, 40]") }
        assertQuantStateError(weight, "packed bytes") { _ = try HuggingFaceLoader.load(directory: shape) }
        let blocksize = try replacingState { $0.replacingOccurrences(of: "\"blocksize\": 64", with: "\"blocksize\": 128") }
        assertQuantStateError(weight, "absmax has 24 codes") { _ = try HuggingFaceLoader.load(directory: blocksize) }
        let badBlocksize = try replacingState { $0.replacingOccurrences(of: "\"blocksize\": 64", with: "\"blocksize\": 48") }
        assertQuantStateError(weight, "blocksize 48") { _ = try HuggingFaceLoader.load(directory: badBlocksize) }
        let notJSON = try replacingState { String($0.dropLast()) }
        assertQuantStateError(weight, "not a JSON object") { _ = try HuggingFaceLoader.load(directory: notJSON) }
        let shortAbsmax = try editedCheckpoint { item in
            item.name == self.weight + ".absmax" ? SafeTensorsWriter.Item(name: item.name, dtype: .uint8, shape: [23], bytes: item.bytes.prefix(23)) : item
        }
        assertQuantStateError(weight, "absmax has 23 codes") { _ = try HuggingFaceLoader.load(directory: shortAbsmax) }
        let floatAbsmax = try editedCheckpoint { item in
            item.name == self.weight + ".absmax" ? SafeTensorsWriter.Item(name: item.name, dtype: .float32, shape: [6], bytes: item.bytes) : item
        }
        assertQuantStateError(weight, "absmax is F32") { _ = try HuggingFaceLoader.load(directory: floatAbsmax) }
        let noNested = try editedCheckpoint { $0.name == self.weight + ".nested_absmax" ? nil : $0 }
        assertQuantStateError(weight, "without nested_absmax") { _ = try HuggingFaceLoader.load(directory: noNested) }
        let noPacked = try editedCheckpoint { $0.name == self.weight ? nil : $0 }
        assertQuantStateError(weight, "\(weight) is missing") { _ = try HuggingFaceLoader.load(directory: noPacked) }
        let badMap = try editedCheckpoint { item in
            guard item.name == self.weight + ".quant_map" else { return item }
            return SafeTensorsWriter.Item(name: item.name, tensor: Tensor(QuantType.fp4.codebook, shape: [16]))
        }
        assertQuantStateError(weight, "not the bitsandbytes nf4 code book") { _ = try HuggingFaceLoader.load(directory: badMap) }
    }

    func testUnknownQuantTypeThrowsNamingTheTensor() throws {
        let renamed = try editedCheckpoint { item in
            item.name == self.stateKey ? SafeTensorsWriter.Item(name: self.weight + ".quant_state.bitsandbytes__int3", dtype: .uint8, shape: item.shape, bytes: item.bytes) : item
        }
        assertQuantStateError(weight, "unknown quant type 'int3'") { _ = try HuggingFaceLoader.load(directory: renamed) }
        let inJSON = try replacingState { $0.replacingOccurrences(of: "\"nf4\"", with: "\"int3\"") }
        assertQuantStateError(weight, "unknown quant_type 'int3'") { _ = try HuggingFaceLoader.load(directory: inJSON) }
        let mismatch = try replacingState { $0.replacingOccurrences(of: "\"nf4\"", with: "\"fp4\"") }
        assertQuantStateError(weight, "its key says 'nf4'") { _ = try HuggingFaceLoader.load(directory: mismatch) }
        let config = try editedCheckpoint(config: { json in
            var q = json["quantization_config"] as! [String: Any]
            q["bnb_4bit_quant_type"] = "fp4"
            json["quantization_config"] = q
        }) { $0 }
        assertQuantStateError("model.layers.0.mlp.down_proj.weight", "config.json says fp4") { _ = try HuggingFaceLoader.load(directory: config) }
        let eightBit = try editedCheckpoint(config: { json in
            json["quantization_config"] = ["quant_method": "bitsandbytes", "load_in_8bit": true]
        }) { $0 }
        XCTAssertThrowsError(try HuggingFaceLoader.load(directory: eightBit)) { error in
            XCTAssertEqual((error as? FormatError)?.field, "quantization_config.load_in_4bit", "\(error)")
        }
    }

    func testQuantizedEmbeddingInAFileIsRejected() throws {
        let base = try dense()
        let q = try QuantizedTensor(quantizing: base.tensors["model.embed_tokens.weight"]!, name: "e", quantType: .nf4)
        let dir = try editedCheckpoint { $0.name == "model.embed_tokens.weight" ? nil : $0 }
        let f = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        let items = try f.names.map { SafeTensorsWriter.Item(name: $0, dtype: f.entries[$0]!.dtype, shape: f.entries[$0]!.shape, bytes: Data(try f.rawBytes($0))) }
        try SafeTensorsWriter.write(items + QuantizedCheckpoint.items(q, name: "model.embed_tokens.weight"), to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try HuggingFaceLoader.load(directory: dir)) { error in
            XCTAssertEqual((error as? FormatError)?.field, "model.embed_tokens.weight", "\(error)")
        }
    }

    func testLayersThatCannotBeQuantizedThrowNamingTheTensor() throws {
        let base = try dense()
        var linears = base.linears
        let path = "model.layers.0.self_attn.k_proj"
        var w = (linears[path] as! DenseLinear).weight.copy()
        w.withUnsafeMutableBufferPointer { $0[5] = .nan }
        linears[path] = DenseLinear(weight: w)
        let withNaN = LlamaModel(config: base.config, tensors: base.tensors, linears: linears)
        assertQuantStateError(path + ".weight", "not finite") { _ = try withNaN.quantized() }
        assertQuantStateError("model.layers.0.mlp.down_proj.weight", "blocksize 48") { _ = try base.quantized(blocksize: 48) }
        struct Opaque: FrozenLinear {
            let inFeatures = 32, outFeatures = 32
            func forward(_ x: Tensor) -> Tensor { x }
            func backwardInput(_ dy: Tensor) -> Tensor { dy }
        }
        linears[path] = Opaque()
        let opaque = LlamaModel(config: base.config, tensors: base.tensors, linears: linears)
        assertQuantStateError(path + ".weight", "no dense weight") { _ = try opaque.quantized() }
    }

    // MARK: plain safetensors files

    func testPlainSafeTensorsFileQuantizesEveryTwoDimensionalWeight() throws {
        let input = try Fixtures.url("tiny-llama/model.safetensors", in: .module)
        let output = try tempDir().appendingPathComponent("q.safetensors")
        let summary = try QuantizedCheckpoint.quantize(safetensors: input, to: output, type: .nf4, blocksize: 64, doubleQuant: true)
        XCTAssertEqual(summary.tensorsQuantized, 16, "14 linear weights, the embedding and the head")
        let ours = try contents(output)
        let bnb = try contents(Fixtures.url("tiny-llama-nf4/model.safetensors", in: .module))
        for (key, value) in bnb where !key.hasPrefix("lm_head") && !key.hasPrefix("model.embed_tokens") {
            XCTAssertEqual(ours[key]?.0, value.0, key)
            XCTAssertTrue(ours[key]?.2 == value.2, "\(key) differs from bitsandbytes'")
        }
        XCTAssertEqual(ours["model.embed_tokens.weight"]?.0, "U8")
        XCTAssertEqual(summary.bytesBefore, try contents(input).values.reduce(0) { $0 + $1.2.count })
        XCTAssertEqual(summary.bytesAfter, ours.values.reduce(0) { $0 + $1.2.count })
        XCTAssertEqual(summary.quantizedParameters, 2 * (32 * 32 * 2 + 16 * 32 * 2 + 3 * 48 * 32) + 2 * 64 * 32)
        // 4 bits per code, one 8-bit absmax code per 64 values, fp32 second-level scales and offset per tensor.
        XCTAssertGreaterThan(summary.bitsPerParameter, 4.125)
        XCTAssertLessThan(summary.bitsPerParameter, 4.3)
        let again = try tempDir().appendingPathComponent("again.safetensors")
        XCTAssertEqual(try QuantizedCheckpoint.quantize(safetensors: output, to: again).tensorsQuantized, 0, "already quantized tensors are copied")
        XCTAssertEqual(try Data(contentsOf: again).count, try Data(contentsOf: output).count)
    }
}
