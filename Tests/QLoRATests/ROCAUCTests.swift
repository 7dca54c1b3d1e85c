import Foundation
import TestSupport
import XCTest
@testable import QLoRA

/// ROC AUC against scikit-learn's roc_auc_score (Scripts/fixtures/roc_auc.py), ties included.
final class ROCAUCTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable { let scores: [Double], positives: [Bool], auc: Double }
        let cases: [Case]
    }

    func testMatchesScikitLearn() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("roc_auc_reference.json", in: .module)))
        for c in fixture.cases {
            XCTAssertEqual(try XCTUnwrap(ROCAUC.binary(scores: c.scores, positives: c.positives)), c.auc, accuracy: 1e-12)
        }
    }

    func testOneClassHasNoAUC() {
        XCTAssertNil(ROCAUC.binary(scores: [0.1, 0.9], positives: [true, true]))
    }
}
