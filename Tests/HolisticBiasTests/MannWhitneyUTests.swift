import Foundation
import TestSupport
import XCTest
@testable import HolisticBias

/// Mann-Whitney U against scipy.stats.mannwhitneyu (Scripts/fixtures/holistic_bias_mwu.py).
final class MannWhitneyUTests: XCTestCase {
    struct Fixture: Decodable {
        var scipy: String
        var cases: [[Value]]
    }

    enum Value: Decodable {
        case list([Double]), number(Double)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let l = try? c.decode([Double].self) { self = .list(l) } else { self = .number(try c.decode(Double.self)) }
        }
        var list: [Double] { if case .list(let l) = self { return l }; return [] }
        var number: Double { if case .number(let n) = self { return n }; return .nan }
    }

    func testMatchesScipyOnRandomCases() throws {
        let data = try Data(contentsOf: Fixtures.url("holistic_bias_mwu.json", in: Bundle.module))
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        XCTAssertEqual(fixture.cases.count, 3000)
        var exact = 0, asymptotic = 0, worst = 0.0
        for (i, c) in fixture.cases.enumerated() {
            let x = c[0].list, y = c[1].list
            let r = MannWhitneyU.test(x, y)
            XCTAssertEqual(r.u, c[2].number, "case \(i): U")
            let expected = c[3].number
            let rel = abs(r.pValue - expected) / max(abs(expected), .leastNormalMagnitude)
            worst = max(worst, rel)
            XCTAssertLessThanOrEqual(rel, 1e-12, "case \(i): p \(r.pValue) vs scipy \(expected) (n=\(x.count),\(y.count))")
            let ties = MannWhitneyU.rankSums(sortedX: x.sorted(), sortedY: y.sorted()).hasTies
            if MannWhitneyU.chooseMethod(n1: x.count, n2: y.count, ties: ties) == .exact { exact += 1 } else { asymptotic += 1 }
        }
        XCTAssertGreaterThan(exact, 300, "exact branch under-covered")
        XCTAssertGreaterThan(asymptotic, 1000, "asymptotic branch under-covered")
        print("MannWhitneyU vs scipy \(fixture.scipy): \(exact) exact, \(asymptotic) asymptotic, worst relative p error \(worst)")
    }

    func testBinomialMatchesScipy() {
        // scipy.special.binom(n, k)
        XCTAssertEqual(MannWhitneyU.binomial(16, 8), 12870)
        XCTAssertEqual(MannWhitneyU.binomial(128, 8), 1_429_702_652_400)
        XCTAssertEqual(MannWhitneyU.binomial(9, 1), 9)
    }
}
