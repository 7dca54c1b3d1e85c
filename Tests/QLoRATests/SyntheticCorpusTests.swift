import XCTest
@testable import QLoRA

final class SyntheticCorpusTests: XCTestCase {
    func testReproducibleBalancedAndExplained() {
        let a = SyntheticCorpus.generate(perSource: 60, seed: 7)
        XCTAssertEqual(a, SyntheticCorpus.generate(perSource: 60, seed: 7))
        XCTAssertNotEqual(a, SyntheticCorpus.generate(perSource: 60, seed: 8))
        XCTAssertEqual(a.count, 180)
        for source in SyntheticCorpus.sources {
            let mine = a.filter { $0.source == source }
            XCTAssertEqual(Dictionary(grouping: mine, by: \.label).mapValues(\.count), [.neutral: 20, .offensive: 20, .hate: 20])
        }
        for r in a {
            let text = r.statement.lowercased()
            for w in r.harmfulWords { XCTAssertTrue(text.contains(w.lowercased()), "\(w) not in \(r.statement)") }
            for g in r.groups { XCTAssertTrue(text.contains(g.lowercased()), "\(g) not in \(r.statement)") }
            XCTAssertEqual(r.label == .hate, !r.groups.isEmpty)
        }
    }

    func testSourcesHaveTheirStyles() {
        let records = SyntheticCorpus.generate(perSource: 90, seed: 1)
        let micro = records.filter { $0.source == "microblogs" }
        XCTAssertTrue(micro.allSatisfy { $0.statement == $0.statement.lowercased() || $0.statement.hasPrefix("RT ") })
        XCTAssertTrue(micro.contains { $0.statement.contains("@") })
        XCTAssertTrue(records.filter { $0.source == "forums" }.allSatisfy { $0.statement.hasSuffix(".") || $0.statement.hasSuffix(") .") })
        XCTAssertTrue(records.filter { $0.source == "wikitalk" }.contains { $0.statement.contains("==") || $0.statement.contains("(talk)") })
    }
}
