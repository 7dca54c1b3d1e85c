import Foundation
@testable import Llama
import XCTest

/// Runs `QuantBench` only when QUANT_BENCH=1 (use a release build); checks the memory goal always.
final class QuantBenchTests: XCTestCase {
    func testSyntheticLayerMeetsMemoryGoal() {
        let w = QuantBench.syntheticWeight(rows: 4096, cols: 11008)
        XCTAssertLessThanOrEqual(w.bitsPerParameter, 4.13)
        XCTAssertEqual(w.bitsPerParameter, 4.1270, accuracy: 1e-4)
    }

    func testBenchmarks() throws {
        guard ProcessInfo.processInfo.environment["QUANT_BENCH"] == "1" else {
            throw XCTSkip("set QUANT_BENCH=1 and build in release to run the 4-bit kernel benchmarks")
        }
        let r = QuantBench.run()
        XCTAssertGreaterThan(r.largeGEMVBandwidth, 0)
    }
}
