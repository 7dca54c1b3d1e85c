import Foundation
import Llama
import TestSupport
import XCTest
@testable import QLoRA

/// The importers against statistics that an independent Python reading of the same files
/// computed (Scripts/fixtures/qlora_datasets.py).
final class DatasetImporterTests: XCTestCase {
    lazy var reference: [String: Any] = try! Fixtures.json("datasets_reference.json", in: .module) as! [String: Any]

    func digest(_ parts: [String]) -> String { SHA256.hex(Array(parts.joined(separator: "\u{1f}").utf8)) }

    func labelCounts(_ records: [ExplanationRecord]) -> [String: Int] {
        Dictionary(grouping: records, by: { $0.label.rawValue }).mapValues(\.count)
    }

    func testDavidson() throws {
        let url = try SharedAssets.require("datasets/davidson2017/labeled_data.csv")
        let records = try DavidsonImporter.load(url)
        let ref = reference["davidson"] as! [String: Any]
        XCTAssertEqual(records.count, ref["count"] as? Int)
        XCTAssertEqual(labelCounts(records), ref["labels"] as? [String: Int])
        XCTAssertEqual(digest(records.map(\.statement)), ref["statements_sha256"] as? String)
        XCTAssertTrue(records.allSatisfy { $0.source == "microblogs" })
    }

    func testStormfront() throws {
        let url = try SharedAssets.require("datasets/stormfront-degibert2018/stormfront_sentences.csv")
        let records = try StormfrontImporter.load(url)
        let ref = reference["stormfront"] as! [String: Any]
        XCTAssertEqual(records.count, ref["count"] as? Int)
        XCTAssertEqual(labelCounts(records), ref["labels"] as? [String: Int])
        XCTAssertEqual(digest(records.map(\.statement)), ref["statements_sha256"] as? String)
    }

    func testHateXplainTargetsAndRationales() throws {
        let dataset = try SharedAssets.require("datasets/hatexplain/dataset_val_test.json")
        let divisions = try SharedAssets.require("datasets/hatexplain/post_id_divisions.json")
        let split = try HateXplainImporter.load(dataset: dataset, divisions: divisions)
        let ref = reference["hatexplain"] as! [String: Any]
        let records = split.records
        XCTAssertEqual(records.count, ref["count"] as? Int)
        XCTAssertEqual(labelCounts(records), ref["labels"] as? [String: Int])
        XCTAssertEqual(records.filter { split.testIDs.contains($0.id) }.count, ref["test_count"] as? Int)
        XCTAssertEqual(records.filter { !$0.groups.isEmpty }.count, ref["with_groups"] as? Int)
        XCTAssertEqual(records.reduce(0) { $0 + $1.harmfulWords.count }, ref["harmful_word_total"] as? Int)
        XCTAssertEqual(digest(records.map { $0.groups.joined(separator: ",") }), ref["groups_sha256"] as? String)
        XCTAssertEqual(digest(records.map { $0.harmfulWords.joined(separator: ",") }), ref["words_sha256"] as? String)
        XCTAssertEqual(digest(records.map(\.statement)), ref["statements_sha256"] as? String)
    }

    func testHateCheckCounts() throws {
        let url = try SharedAssets.require("datasets/hatecheck/test_suite_cases.csv")
        let cases = try HateCheckImporter.load(url)
        // Counts published in the dataset's SOURCE.md: 3,728 cases, 2,563 hateful, 29 functionalities.
        XCTAssertEqual(cases.count, 3728)
        XCTAssertEqual(cases.filter(\.hateful).count, 2563)
        XCTAssertEqual(Set(cases.map(\.functionality)).count, 29)
    }

    func testBadLabelNamesFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("bad.csv")
        try ",count,hate_speech,offensive_language,neither,class,tweet\n0,3,0,0,3,2,fine\n1,3,0,0,3,7,broken\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DavidsonImporter.load(url)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("bad.csv") && text.contains("line 3") && text.contains("'class'"), text)
        }
    }
}
