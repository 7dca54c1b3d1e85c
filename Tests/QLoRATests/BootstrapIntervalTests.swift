import TestSupport
import XCTest
@testable import QLoRA

/// Against numpy (Scripts/fixtures/qlora_metrics.py): the same resample index lists, macro-F1 of
/// each by scikit-learn, and `numpy.percentile` at 2.5 and 97.5.
final class BootstrapIntervalTests: XCTestCase {
    lazy var reference = try! Fixtures.json("bootstrap_reference.json", in: .module) as! [String: Any]

    func testPercentileIntervalMatchesNumpy() throws {
        let labels = HateLabel.allCases
        for c in reference["cases"] as! [[String: Any]] {
            let truth = (c["truth"] as! [Int]).map { labels[$0] }
            let predicted = (c["pred"] as! [Int]).map { $0 < 3 ? labels[$0] : nil }
            let resamples = c["resamples"] as! [[Int]]
            let interval = try BootstrapInterval.macroF1(truth: truth, predicted: predicted, resamples: resamples)
            XCTAssertEqual(interval.low, c["low"] as! Double, accuracy: 1e-12)
            XCTAssertEqual(interval.high, c["high"] as! Double, accuracy: 1e-12)
            XCTAssertEqual(interval.resamples, resamples.count)
        }
    }

    /// The seeded draws are the ones the scikit-learn baseline script resamples with.
    func testResampleIndicesMatchTheBaselineScript() {
        let g = reference["generator"] as! [String: Any]
        let expected = g["resamples"] as! [[Int]]
        let drawn = BootstrapInterval.resampleIndices(count: g["count"] as! Int, resamples: expected.count, seed: UInt64(g["seed"] as! Int))
        XCTAssertEqual(drawn, expected)
    }

    func testOutOfRangeIndexIsNamed() {
        XCTAssertThrowsError(try BootstrapInterval.macroF1(truth: [.hate, .neutral], predicted: [.hate, .hate], resamples: [[0, 2]])) { error in
            XCTAssertTrue(String(describing: error).contains("index 2"), "\(error)")
        }
    }
}
