import TestSupport
import XCTest
@testable import QLoRA

final class ClassificationReportTests: XCTestCase {
    /// Against scikit-learn (Scripts/fixtures/qlora_metrics.py); 3 encodes an unparseable answer.
    /// The fixture holds three-class cases and cases without an offensive class, whose macro-F1
    /// averages neutral and hate only, as `f1_score(average="macro")` does.
    func testMatchesScikitLearn() throws {
        let cases = try Fixtures.json("metrics_reference.json", in: .module) as! [[String: Any]]
        let labels = HateLabel.allCases
        for c in cases {
            let truth = (c["truth"] as! [Int]).map { labels[$0] }
            let predicted = (c["pred"] as! [Int]).map { $0 < 3 ? labels[$0] : nil }
            let report = ClassificationReport(truth: truth, predicted: predicted)
            XCTAssertEqual(report.accuracy, c["accuracy"] as! Double, accuracy: 1e-12)
            XCTAssertEqual(report.macroF1, c["macro_f1"] as! Double, accuracy: 1e-12)
            XCTAssertEqual(report.averagedClasses, (c["averaged"] as! [Int]).map { labels[$0] })
            XCTAssertEqual(report.support, c["support"] as! [Int])
            for k in 0..<3 {
                XCTAssertEqual(report.precision[k], (c["precision"] as! [Double])[k], accuracy: 1e-12)
                XCTAssertEqual(report.recall[k], (c["recall"] as! [Double])[k], accuracy: 1e-12)
                XCTAssertEqual(report.f1[k], (c["f1"] as! [Double])[k], accuracy: 1e-12)
            }
            XCTAssertEqual(report.confusion, c["confusion"] as! [[Int]])
        }
    }
}
