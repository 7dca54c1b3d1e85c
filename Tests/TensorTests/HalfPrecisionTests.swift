import XCTest
import Tensor

/// Float16 / BFloat16 decoding and round-to-nearest-even narrowing, bit for bit against PyTorch.
final class HalfPrecisionTests: XCTestCase {
    var half: [String: Any] { OpFixtures.root["half"] as! [String: Any] }

    func decoded(_ key: String) -> [Float?] {
        (half[key] as! [Any]).map { $0 is NSNull ? nil : OpFixtures.float($0) }
    }

    func testNarrowingMatchesTorchBitForBit() {
        let values = decoded("values")
        let bf16 = OpFixtures.ints(half["bf16Bits"]), f16 = OpFixtures.ints(half["f16Bits"])
        XCTAssertEqual(values.count, bf16.count)
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            XCTAssertEqual(Int(HalfPrecision.bfloat16Bits(v)), bf16[i], "bfloat16(\(v))")
            XCTAssertEqual(Int(HalfPrecision.float16Bits(v)), f16[i], "float16(\(v))")
        }
    }

    func testDecodingMatchesTorch() {
        let bits = OpFixtures.ints(half["decodeBits"]).map { UInt16($0) }
        let f16 = decoded("decodedF16"), bf16 = decoded("decodedBF16")
        for (i, b) in bits.enumerated() {
            let x = HalfPrecision.float(fromFloat16: b), y = HalfPrecision.float(fromBFloat16: b)
            if let e = f16[i] { XCTAssertEqual(x, e, "f16 bits \(b)") } else { XCTAssertTrue(x.isNaN, "f16 bits \(b)") }
            if let e = bf16[i] { XCTAssertEqual(y, e, "bf16 bits \(b)") } else { XCTAssertTrue(y.isNaN, "bf16 bits \(b)") }
        }
        var out = [Float](repeating: 0, count: bits.count)
        bits.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { HalfPrecision.decode(raw.baseAddress!, dtype: .bfloat16, count: bits.count, into: $0.baseAddress!) }
        }
        for (i, e) in bf16.enumerated() { if let e { XCTAssertEqual(out[i], e) } }
    }

    func testBFloat16NaNStaysNaN() {
        XCTAssertTrue(HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16Bits(.nan)).isNaN)
    }
}
