import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

final class SafeTensorsTests: XCTestCase {
    func temp(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    /// A file written by the `safetensors` Python package (Scripts/fixtures/safetensors_reference.py).
    func testReadsTheReferenceWriter() throws {
        let file = try SafeTensorsFile(path: Fixtures.url("reference.safetensors", in: .module).path)
        let expected = try Fixtures.json("reference_safetensors.json", in: .module) as! [String: [String: Any]]
        XCTAssertEqual(Set(file.names), Set(expected.keys))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        for (name, e) in expected {
            let t = try file.tensor(name)
            XCTAssertEqual(t.shape, e["shape"] as! [Int], name)
            XCTAssertEqual(t.scalars, (e["values"] as! [Double]).map(Float.init), name)
        }
    }

    func testRoundTripIsExactAndAtomic() throws {
        let url = try temp("w.safetensors")
        let a = Tensor([1, -2.5, 3e-8, .greatestFiniteMagnitude, 0, 7], shape: [2, 3])
        try SafeTensorsWriter.write([.init(name: "b", tensor: a), .init(name: "a", dtype: .uint8, shape: [3], bytes: Data([1, 2, 255]))],
                                    metadata: ["k": "v"], to: url)
        let file = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(try file.tensor("b").scalars, a.scalars)
        XCTAssertEqual(Array(try file.rawBytes("a")), [1, 2, 255])
        XCTAssertEqual(file.metadata, ["k": "v"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(leftovers, ["w.safetensors"])
    }

    func header(_ json: String, data: Int) -> Data {
        var d = Data()
        var n = UInt64(json.utf8.count).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(Data(json.utf8))
        d.append(Data(repeating: 0, count: data))
        return d
    }

    func assertRejects(_ data: Data, mentioning words: [String], line: UInt = #line) throws {
        let url = try temp("bad.safetensors")
        try data.write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(path: url.path), line: line) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("bad.safetensors"), text, line: line)
            for w in words { XCTAssertTrue(text.contains(w), "\(text) lacks \(w)", line: line) }
        }
    }

    func testBadFilesThrowNamingFileAndTensor() throws {
        try assertRejects(Data([1, 2, 3]), mentioning: ["too short"])
        var huge = Data(); var n = UInt64(1 << 40).littleEndian; huge.append(Data(bytes: &n, count: 8))
        try assertRejects(huge, mentioning: ["past the end"])
        try assertRejects(header(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: 4), mentioning: ["w", "past the end"])
        try assertRejects(header(#"{"w": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}}"#, data: 8), mentioning: ["w", "unsupported dtype Q9"])
        try assertRejects(header(#"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: 8), mentioning: ["w", "needs 12"])
        try assertRejects(header(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#, data: 12),
                          mentioning: ["overlaps"])
        try assertRejects(header("not json", data: 0), mentioning: ["not a JSON object"])
    }
}
