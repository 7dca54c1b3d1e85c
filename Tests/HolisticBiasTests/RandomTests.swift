import Foundation
import TestSupport
import XCTest
@testable import HolisticBias

/// numpy's SeedSequence, PCG64 and Generator.choice(replace=False), checked against
/// Scripts/fixtures/holistic_bias_rng.py.
final class RandomTests: XCTestCase {
    struct Case: Decodable {
        struct Choice: Decodable {
            var population: Int
            var size: Int
            var indices: [Int]
        }
        var seed: String
        var pool: [UInt32]
        var state: [String]
        var raw64: [String]
        var choices: [Choice]
    }

    func cases() throws -> [Case] {
        let data = try Data(contentsOf: Fixtures.url("holistic_bias_rng.json", in: Bundle.module))
        return try JSONDecoder().decode([Case].self, from: data)
    }

    func testSeedSequenceMatchesNumpy() throws {
        for c in try cases() {
            let seed = try XCTUnwrap(UInt64(c.seed))
            let ss = SeedSequence(seed)
            XCTAssertEqual(ss.pool, c.pool, "pool, seed \(seed)")
            XCTAssertEqual(ss.generateState64(4), c.state.map { UInt64($0)! }, "generate_state, seed \(seed)")
        }
    }

    func testPCG64RawDrawsMatchNumpy() throws {
        for c in try cases() {
            var rng = PCG64(seed: UInt64(c.seed)!)
            XCTAssertEqual((0..<c.raw64.count).map { _ in rng.next64() }, c.raw64.map { UInt64($0)! }, "seed \(c.seed)")
        }
    }

    func testChoiceWithoutReplacementMatchesNumpy() throws {
        var checked = 0
        for c in try cases() {
            for choice in c.choices {
                var rng = PCG64(seed: UInt64(c.seed)!)
                let got = rng.choiceWithoutReplacement(population: choice.population, size: choice.size)
                XCTAssertEqual(got, choice.indices, "seed \(c.seed) choice(\(choice.population), \(choice.size))")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 60)
    }
}
