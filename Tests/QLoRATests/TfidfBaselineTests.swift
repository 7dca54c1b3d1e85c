import TestSupport
import XCTest
@testable import QLoRA

/// The committed scikit-learn baseline (Scripts/fixtures/baseline_tfidf.py): its confusion
/// matrices give back scikit-learn's own metrics, and it was scored on the test split the
/// catalog makes now (a changed split fails here until the script is rerun).
final class TfidfBaselineTests: XCTestCase {
    func testConfusionGivesScikitLearnsMetrics() {
        XCTAssertEqual(Set(TfidfBaseline.all.map(\.dataset)), ["davidson", "stormfront", "hatexplain", "hatecheck"])
        for b in TfidfBaseline.all {
            let report = b.report
            XCTAssertEqual(report.count, b.count, b.dataset)
            XCTAssertEqual(report.accuracy, b.accuracy, accuracy: 1e-12, b.dataset)
            XCTAssertEqual(report.macroF1, b.macroF1, accuracy: 1e-12, b.dataset)
            XCTAssertEqual(report.support, b.support, b.dataset)
            for k in 0..<3 {
                XCTAssertEqual(report.precision[k], b.precision[k], accuracy: 1e-12, b.dataset)
                XCTAssertEqual(report.recall[k], b.recall[k], accuracy: 1e-12, b.dataset)
                XCTAssertEqual(report.f1[k], b.f1[k], accuracy: 1e-12, b.dataset)
            }
            XCTAssertLessThanOrEqual(b.interval.low, b.macroF1, b.dataset)
            XCTAssertGreaterThanOrEqual(b.interval.high, b.macroF1, b.dataset)
        }
    }

    func testScoredOnTheCurrentTestSplits() throws {
        _ = try SharedAssets.require("datasets")
        for b in TfidfBaseline.all {
            let test = try DatasetCatalog.records(b.dataset, split: .test, shared: SharedAssets.root)
            let counts = Dictionary(grouping: test, by: \.label).mapValues(\.count)
            XCTAssertEqual(b.support, HateLabel.allCases.map { counts[$0] ?? 0 }, b.dataset)
        }
    }
}
