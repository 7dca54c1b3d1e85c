import Foundation
import TestSupport
import XCTest
@testable import QLoRA

/// The rationale metrics against an independent Python implementation on hand-made posts
/// (Scripts/fixtures/rationale_metrics.py, numpy and scikit-learn).
final class RationaleMetricsTests: XCTestCase {
    struct Reference: Decodable {
        struct Post: Decodable {
            let tokens: [String], gold: [Int], harmful_words: [String]
            let gold_groups: [String], predicted_groups: [String], predicted_mask: [Bool]
        }
        struct Edit: Decodable { let full, without, only: String; let p_full, p_without, p_only: Double }
        let posts: [Post]
        let token_precision, token_recall, token_f1, iou_f1: Double
        let group_exact_accuracy, group_micro_f1: Double
        let edits: [Edit]
        let comprehensiveness, sufficiency: Double
    }

    struct UnexpectedEdit: Error { let post: Int, text: String }

    func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Fixtures.url("rationale_metrics_reference.json", in: .module)))
    }

    func testPredictedWordsMapOntoThePostsTokens() throws {
        for post in try reference().posts {
            XCTAssertEqual(RationaleMetrics.mask(tokens: post.tokens, harmfulWords: post.harmful_words), post.predicted_mask, "\(post.tokens)")
        }
    }

    func testTokenAndIOUF1MatchTheReference() throws {
        let ref = try reference()
        let scores = RationaleMetrics.score(ref.posts.map { p in
            (p.gold.map { $0 == 1 }, RationaleMetrics.mask(tokens: p.tokens, harmfulWords: p.harmful_words))
        })
        XCTAssertEqual(scores.tokenPrecision, ref.token_precision, accuracy: 1e-12)
        XCTAssertEqual(scores.tokenRecall, ref.token_recall, accuracy: 1e-12)
        XCTAssertEqual(scores.tokenF1, ref.token_f1, accuracy: 1e-12)
        XCTAssertEqual(scores.iouF1, ref.iou_f1, accuracy: 1e-12)
    }

    func testTargetGroupScoresMatchScikitLearn() throws {
        let ref = try reference()
        let scores = TargetGroupScores(ref.posts.map { ($0.gold_groups, $0.predicted_groups) })
        XCTAssertEqual(scores.exactMatchAccuracy, ref.group_exact_accuracy, accuracy: 1e-12)
        XCTAssertEqual(scores.microF1, ref.group_micro_f1, accuracy: 1e-12)
    }

    /// The fake model answers from the reference's table, keyed by the edited texts the reference
    /// made, so a wrong edit finds no probability and fails.
    func testComprehensivenessAndSufficiencyMatchTheReference() throws {
        let ref = try reference()
        let posts = ref.posts.map { ($0.tokens, $0.predicted_mask) }
        let scores = try Faithfulness.score(posts) { i, text in
            let e = ref.edits[i]
            switch text {
            case e.full: return e.p_full
            case e.without: return e.p_without
            case e.only: return e.p_only
            default: throw UnexpectedEdit(post: i, text: text)
            }
        }
        XCTAssertEqual(scores.comprehensiveness, ref.comprehensiveness, accuracy: 1e-12)
        XCTAssertEqual(scores.sufficiency, ref.sufficiency, accuracy: 1e-12)
    }
}
