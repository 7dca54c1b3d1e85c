import Foundation
import Llama
import TestSupport
import XCTest
@testable import HolisticBias

/// Whole-file comparison with the original Python generator's output, recorded as SHA-256
/// hashes by Scripts/fixtures/holistic_bias_compare.py.
final class GeneratorTests: XCTestCase {
    struct Expected: Decodable {
        var sha256: String
        var rows: Int
    }

    func reference() throws -> [String: [String: Expected]] {
        let data = try Data(contentsOf: Fixtures.url("holistic_bias_reference.json", in: Bundle.module))
        return try JSONDecoder().decode([String: [String: Expected]].self, from: data)
    }

    func check(version: String, smallSet: Bool) throws {
        let folder = try SharedAssets.require("holistic_bias/\(version)")
        let expected = try XCTUnwrap(reference()[version])
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hb-gen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: folder))
        let result = try generator.write(to: out, useSmallSet: smallSet)
        let names = SentenceGenerator.fileNames(useSmallSet: smallSet)
        let np = try XCTUnwrap(expected[names.nounPhrases]), s = try XCTUnwrap(expected[names.sentences])
        XCTAssertEqual(result.nounPhraseCount, np.rows)
        XCTAssertEqual(result.sentenceCount, s.rows)
        XCTAssertEqual(SHA256.hex([UInt8](try Data(contentsOf: result.nounPhrases))), np.sha256, "\(version) \(names.nounPhrases)")
        XCTAssertEqual(SHA256.hex([UInt8](try Data(contentsOf: result.sentences))), s.sha256, "\(version) \(names.sentences)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "temporary files left behind")
    }

    func testV10FullMatchesOriginal() throws {
        try check(version: "v1.0", smallSet: false)
    }

    func testV10SmallSetMatchesOriginal() throws {
        try check(version: "v1.0", smallSet: true)
    }

    func testV11FullMatchesOriginal() throws {
        try check(version: "v1.1", smallSet: false)
    }

    func testV11SmallSetMatchesOriginal() throws {
        try check(version: "v1.1", smallSet: true)
    }

    func testExpectedRowCountsFromIssue() throws {
        let r = try reference()
        XCTAssertEqual(r["v1.0"]?["sentences.csv"]?.rows, 472_991)
        XCTAssertEqual(r["v1.1"]?["sentences.csv"]?.rows, 566_625)
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// pandas' minimal quoting, checked against strings pandas wrote for these fields.
    func testCSVQuotingMatchesPandas() {
        var csv = CSVBuffer()
        csv.appendRow(["plain", "with,comma", "say \"hi\"", "two\nlines", "", "I'm"])
        XCTAssertEqual(String(decoding: csv.bytes, as: UTF8.self),
                       "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",,I'm\n")
    }

    func testUTF8OrderIsCodePointOrder() {
        // Swift's String < treats "é" (U+00E9) and "e\u{301}" as equal; Python orders by code point.
        let words = ["zebra", "Zebra", "é", "e\u{301}", "éa", "a"]
        let sorted = words.map { Array($0.utf8) }.sorted(by: utf8Less).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(sorted, ["Zebra", "a", "e\u{301}", "zebra", "é", "éa"])
    }
}
