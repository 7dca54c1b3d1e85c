@testable import Llama
import Tensor
import XCTest

/// The bitsandbytes quant-state JSON and state-dict pieces, against what `QuantState.as_dict(packed=True)` writes.
final class QuantStateTests: XCTestCase {
    private func quantize(_ c: QuantFixtures.Case) -> QuantizedTensor {
        c.input.withUnsafeBufferPointer {
            QuantizedTensor(quantizing: $0, shape: c.shape, quantType: QuantType(rawValue: c.quantType)!,
                            blocksize: c.blocksize, doubleQuant: c.doubleQuant)
        }
    }

    func testJSONBytesEqualBitsandbytes() throws {
        for c in QuantFixtures.shared.cases {
            let header = QuantStateHeader(quantize(c))
            XCTAssertEqual(String(decoding: header.jsonBytes(), as: UTF8.self), c.quantStateJSON, c.name)
            XCTAssertEqual(try QuantStateHeader(jsonBytes: Array(c.quantStateJSON.utf8), tensor: c.name), header, c.name)
        }
    }

    func testStateDictLayoutMatchesBitsandbytes() {
        let dtypes = ["U8": "uint8", "F32": "float32"]
        for c in QuantFixtures.shared.cases {
            let entries = quantize(c).stateDictEntries(name: "w")
            var layout: [String: String] = [:]
            for e in entries {
                let suffix = e.key == "w" ? "" : String(e.key.dropFirst(2))
                layout[suffix] = "\(dtypes[e.dtype]!) \(e.shape)"
            }
            XCTAssertEqual(layout, c.stateDictLayout.mapValues { "\($0.dtype) \($0.shape)" }, c.name)
        }
    }

    func testAssembleFromBitsandbytesPiecesDequantizesIdentically() throws {
        for c in QuantFixtures.shared.cases where c.dequantized != nil {
            let header = try QuantStateHeader(jsonBytes: Array(c.quantStateJSON.utf8), tensor: c.name)
            let absmax = c.absmaxCodes ?? c.absmax!.withUnsafeBytes { Array($0) }
            let q = try QuantizedTensor(tensor: c.name, header: header, packed: c.packed, absmax: absmax, quantMap: c.quantMap,
                                        nestedAbsmax: c.nestedAbsmax, nestedQuantMap: c.nestedQuantMap)
            XCTAssertEqual(q.dequantized().scalars.map(\.bitPattern), c.dequantized!.map(\.bitPattern), c.name)
        }
    }

    func testBadQuantStatesThrowNamingTheTensor() throws {
        let c = QuantFixtures.shared.cases.first { $0.name == "nf4_dq_7x100_bs64" }!
        let good = try QuantStateHeader(jsonBytes: Array(c.quantStateJSON.utf8), tensor: "t")
        func assemble(_ h: QuantStateHeader, packed: [UInt8]? = nil, absmax: [UInt8]? = nil, nested: [Float]? = nil) throws {
            _ = try QuantizedTensor(tensor: "layers.0.w", header: h, packed: packed ?? c.packed, absmax: absmax ?? c.absmaxCodes!,
                                    quantMap: c.quantMap, nestedAbsmax: nested ?? c.nestedAbsmax, nestedQuantMap: c.nestedQuantMap)
        }
        func expect(_ fragment: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { error in
                let e = error as! QuantStateError
                XCTAssertEqual(e.tensor, "layers.0.w")
                XCTAssertTrue(e.reason.contains(fragment), "\(e.reason) lacks '\(fragment)'")
            }
        }
        var wrongShape = good; wrongShape.shape = [7, 101]
        expect("packed bytes") { try assemble(wrongShape) }
        var wrongBlock = good; wrongBlock.blocksize = 128
        expect("absmax has") { try assemble(wrongBlock) }
        expect("absmax has") { try assemble(good, absmax: Array(c.absmaxCodes!.dropLast())) }
        expect("nested_absmax has") { try assemble(good, nested: [1, 2]) }
        var plain = good; plain.nested = nil
        expect("float32 values") { try assemble(plain) }
        let json = c.quantStateJSON
        expect("unknown quant_type 'int4'") {
            _ = try QuantStateHeader(jsonBytes: Array(json.replacingOccurrences(of: "nf4", with: "int4").utf8), tensor: "layers.0.w")
        }
        expect("blocksize 48") {
            _ = try QuantStateHeader(jsonBytes: Array(json.replacingOccurrences(of: "\"blocksize\": 64", with: "\"blocksize\": 48").utf8), tensor: "layers.0.w")
        }
        expect("not a JSON object") { _ = try QuantStateHeader(jsonBytes: Array("[1".utf8), tensor: "layers.0.w") }
        expect("'shape'") {
            _ = try QuantStateHeader(jsonBytes: Array(json.replacingOccurrences(of: "[7, 100]", with: "\"x\"").utf8), tensor: "layers.0.w")
        }
        expect("not finite") {
            _ = try QuantizedTensor(quantizing: Tensor([1, .nan, 2, 3], shape: [2, 2]), name: "layers.0.w", quantType: .nf4)
        }
        expect("empty") { _ = try QuantizedTensor(quantizing: Tensor(zeros: [0, 4]), name: "layers.0.w", quantType: .nf4) }
    }
}
