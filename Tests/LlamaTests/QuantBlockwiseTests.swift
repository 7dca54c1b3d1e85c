import Foundation
@testable import Llama
import XCTest

/// Quantization against bitsandbytes 0.50 on CPU, compared bit for bit.
final class QuantBlockwiseTests: XCTestCase {
    private func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    func testCodebooksMatchBitsandbytes() {
        let fx = QuantFixtures.shared
        for c in fx.cases.prefix(20) {
            XCTAssertEqual(bits(QuantType(rawValue: c.quantType)!.codebook), bits(c.quantMap), c.name)
        }
        XCTAssertEqual(bits(DynamicMap.signed8Bit), bits(fx.dynamicMap))
    }

    func testTorchSumOrderMatches() {
        let sums = QuantFixtures.shared.torchSums
        XCTAssertEqual(sums.filter { $0.threads > 1 }.count, 7)
        for s in sums {
            s.input.withUnsafeBufferPointer {
                let what = "\(s.input.count) values, \(s.threads) threads"
                XCTAssertEqual(TorchSum.sum($0, threads: s.threads).bitPattern, s.sum.bitPattern, "sum of \(what)")
                XCTAssertEqual(TorchSum.mean($0, threads: s.threads).bitPattern, s.mean.bitPattern, "mean of \(what)")
            }
        }
    }

    /// Issue 17: with more than 32768 blocks the offset (and so the nested absmax) of a multi-threaded
    /// bitsandbytes run differs by an ulp from the one-thread order; given its thread count, it matches.
    func testDoubleQuantOffsetMatchesMultithreadedTorch() {
        let fx = QuantFixtures.shared
        XCTAssertFalse(fx.threadedCases.isEmpty)
        for c in fx.threadedCases {
            let q = c.input.withUnsafeBufferPointer {
                QuantizedTensor(quantizing: $0, shape: [c.input.count], quantType: QuantType(rawValue: c.quantType)!,
                                blocksize: c.blocksize, doubleQuant: true, torchThreads: c.threads)
            }
            guard case .double(let codes, let nested, let offset, _, _) = q.scales else { return XCTFail(c.name) }
            XCTAssertGreaterThan(codes.count, TorchSum.grainSize, c.name)
            XCTAssertEqual(offset.bitPattern, c.offset.bitPattern, "\(c.name): offset")
            XCTAssertEqual(bits(nested), bits(c.nestedAbsmax), "\(c.name): nested absmax")
            XCTAssertEqual(codes, c.absmaxCodes, "\(c.name): absmax codes")
        }
    }

    func testQuantizeMatchesBitsandbytesBitForBit() {
        let fx = QuantFixtures.shared
        XCTAssertEqual(fx.cases.count, 28)
        for c in fx.cases {
            let q = c.input.withUnsafeBufferPointer {
                QuantizedTensor(quantizing: $0, shape: c.shape, quantType: QuantType(rawValue: c.quantType)!,
                                blocksize: c.blocksize, doubleQuant: c.doubleQuant)
            }
            XCTAssertEqual(q.packed, c.packed, "\(c.name): packed")
            switch q.scales {
            case .plain(let absmax):
                XCTAssertFalse(c.doubleQuant, c.name)
                XCTAssertEqual(bits(absmax), bits(c.absmax ?? []), "\(c.name): absmax")
            case .double(let codes, let nested, let offset, let nb, let map):
                XCTAssertTrue(c.doubleQuant, c.name)
                XCTAssertEqual(offset.bitPattern, c.offset?.bitPattern, "\(c.name): offset")
                XCTAssertEqual(codes, c.absmaxCodes, "\(c.name): absmax codes")
                XCTAssertEqual(bits(nested), bits(c.nestedAbsmax ?? []), "\(c.name): nested absmax")
                XCTAssertEqual(bits(map), bits(c.nestedQuantMap ?? []), "\(c.name): nested quant map")
                XCTAssertEqual(nb, 256)
            }
            let deq = q.dequantized().scalars
            if let want = c.dequantized {
                XCTAssertEqual(bits(deq), bits(want), "\(c.name): dequantized")
            } else if let want = c.dequantizedSum {
                XCTAssertEqual(deq.reduce(0.0) { $0 + Double($1) }, want, accuracy: abs(want) * 1e-12, c.name)
            }
        }
    }

    func testBitsPerParameterOfLlamaMLPLayer() {
        let shape = [4096, 11008]
        let n = shape[0] * shape[1]
        let blocks = n / 64
        let q = QuantizedTensor(shape: shape, quantType: .nf4, blocksize: 64,
                                packed: [UInt8](repeating: 0, count: n / 2),
                                scales: .double(codes: [UInt8](repeating: 0, count: blocks),
                                                nestedAbsmax: [Float](repeating: 1, count: (blocks + 255) / 256),
                                                offset: 0, nestedBlocksize: 256, nestedQuantMap: DynamicMap.signed8Bit))
        // 4 bits + 8/64 bits of absmax codes + 32/(64*256) bits of nested scales (+ a 4-byte offset).
        XCTAssertEqual(q.bitsPerParameter, 4 + 8.0 / 64 + 32.0 / (64 * 256) + 32.0 / Double(n), accuracy: 1e-12)
        XCTAssertLessThanOrEqual(q.bitsPerParameter, 4.13)
    }
}
