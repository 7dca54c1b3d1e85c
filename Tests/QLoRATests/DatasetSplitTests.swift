import Foundation
import TestSupport
import XCTest
@testable import QLoRA

/// The catalog's splits on the shared data: label counts per split against an independent Python
/// reading (Scripts/fixtures/qlora_datasets.py), no Stormfront post on both sides of a split, no
/// statement in two splits, and `--limit`'s stratified sample.
final class DatasetSplitTests: XCTestCase {
    lazy var reference: [String: Any] = try! Fixtures.json("datasets_reference.json", in: .module) as! [String: Any]

    func splits(_ name: String, needs file: String) throws -> DatasetSplits {
        _ = try SharedAssets.require("datasets/\(file)")
        return try DatasetCatalog.splits(name, shared: SharedAssets.root)
    }

    func labelCounts(_ records: [ExplanationRecord]) -> [String: Int] {
        Dictionary(grouping: records, by: { $0.label.rawValue }).mapValues(\.count)
    }

    func checkAgainstReference(_ name: String, _ s: DatasetSplits) {
        let ref = (reference[name] as! [String: Any])["split_labels"] as! [String: Any]
        let labels = ref["labels"] as! [String: [String: Int]], dropped = ref["dropped"] as! [String: Int]
        for split in DataSplit.allCases {
            XCTAssertEqual(labelCounts(s[split]), labels[split.rawValue], "\(name) \(split)")
            XCTAssertEqual(s.droppedDuplicates[split], dropped[split.rawValue], "\(name) \(split) duplicates")
        }
    }

    func checkNoStatementInTwoSplits(_ name: String, _ s: DatasetSplits) {
        let train = Set(s.train.map { DatasetSplits.normalised($0.statement) })
        let validation = Set(s.validation.map { DatasetSplits.normalised($0.statement) })
        let test = Set(s.test.map { DatasetSplits.normalised($0.statement) })
        XCTAssertTrue(train.isDisjoint(with: validation), "\(name): a validation statement is in train")
        XCTAssertTrue(train.union(validation).isDisjoint(with: test), "\(name): a test statement is in train or validation")
    }

    func testDavidson() throws {
        let s = try splits("davidson", needs: "davidson2017/labeled_data.csv")
        checkAgainstReference("davidson", s)
        checkNoStatementInTwoSplits("davidson", s)
    }

    func testStormfrontIsSplitByPost() throws {
        let s = try splits("stormfront", needs: "stormfront-degibert2018/stormfront_sentences.csv")
        checkAgainstReference("stormfront", s)
        checkNoStatementInTwoSplits("stormfront", s)
        let posts = DataSplit.allCases.map { Set(s[$0].map { DatasetCatalog.stormfrontPost($0.id) }) }
        XCTAssertTrue(posts[0].isDisjoint(with: posts[1]) && posts[0].isDisjoint(with: posts[2]) && posts[1].isDisjoint(with: posts[2]),
                      "a Stormfront post has sentences in two splits")
        // The post in an id is the CSV's comment_id: "12834217_2" belongs to post 12834217.
        XCTAssertEqual(DatasetCatalog.stormfrontPost("stormfront-12834217_2"), "stormfront-12834217")
    }

    func testHateXplainTrainsOnThePublishedValidationPosts() throws {
        let s = try splits("hatexplain", needs: "hatexplain/dataset_val_test.json")
        checkAgainstReference("hatexplain", s)
        checkNoStatementInTwoSplits("hatexplain", s)
        let divisions = try JSONSerialization.jsonObject(with: Data(contentsOf: SharedAssets.root.appendingPathComponent("datasets/hatexplain/post_id_divisions.json"))) as! [String: [String]]
        let val = Set(divisions["val"]!.map { "hatexplain-\($0)" }), test = Set(divisions["test"]!.map { "hatexplain-\($0)" })
        XCTAssertTrue((s.train + s.validation).allSatisfy { val.contains($0.id) })
        XCTAssertTrue(s.test.allSatisfy { test.contains($0.id) })
    }

    func testHateCheckIsTestOnly() throws {
        let s = try splits("hatecheck", needs: "hatecheck/test_suite_cases.csv")
        XCTAssertTrue(s.train.isEmpty && s.validation.isEmpty)
        // SOURCE.md: 3,728 cases, 2,563 hateful.
        XCTAssertEqual(s.test.count, 3728)
        XCTAssertEqual(s.test.filter { $0.label == .hate }.count, 2563)
    }

    /// Every class within 1 of its proportional share, at least one of each, `limit` in all where
    /// that is possible, and the same sample whatever the order of the records.
    func testLimitIsAStratifiedSample() throws {
        let test = try splits("davidson", needs: "davidson2017/labeled_data.csv").test
        let counts = Dictionary(grouping: test, by: \.label).mapValues(\.count)
        for limit in [3, 10, 100, 257] {
            let sample = StratifiedSample.draw(test, limit: limit)
            // 3 cannot hold one of each class within 1 of proportional (offensive's share is 2.4): one more.
            XCTAssertEqual(sample.count, limit == 3 ? 4 : limit)
            let taken = Dictionary(grouping: sample, by: \.label).mapValues(\.count)
            for (label, n) in counts {
                let share = Double(limit) * Double(n) / Double(test.count)
                XCTAssertLessThan(abs(Double(taken[label] ?? 0) - share), 1, "\(label) at limit \(limit)")
                XCTAssertGreaterThanOrEqual(taken[label] ?? 0, 1)
            }
            XCTAssertEqual(StratifiedSample.draw(test.reversed(), limit: limit).map(\.id), sample.map(\.id))
        }
    }

    func testLimitKeepsARareClass() {
        let records = (0..<50).map { ExplanationTemplates.record(statement: "s\($0)", label: $0 == 0 ? .hate : .neutral, source: "t", id: "r\($0)") }
        let sample = StratifiedSample.draw(records, limit: 10)
        XCTAssertEqual(sample.filter { $0.label == .hate }.count, 1)
        XCTAssertEqual(sample.count, 10)
    }
}
