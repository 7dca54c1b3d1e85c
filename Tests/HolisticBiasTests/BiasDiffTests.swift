import Foundation
import TestSupport
import XCTest
@testable import HolisticBias

/// BiasDiff against pandas + scipy on a synthetic scores file (Scripts/fixtures/holistic_bias_biasdiff.py).
final class BiasDiffTests: XCTestCase {
    func fixture(_ path: String) -> URL {
        Fixtures.url("biasdiff", in: Bundle.module).appendingPathComponent(path)
    }

    /// Splits CSV text into rows of fields with the module's reader.
    func records(_ url: URL) throws -> [[String]] {
        var rows: [[String]] = []
        try CSVReader(url: url).forEachRecord { fields, _ in rows.append(fields) }
        return rows
    }

    func testOutputsMatchPythonReference() throws {
        let scores = try Scores(url: fixture("scores.csv"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hb-biasdiff-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let written = try BiasDiff(scores: scores).write(to: out)
        let expectedNames = try FileManager.default.contentsOfDirectory(atPath: fixture("expected").path).sorted()
        XCTAssertEqual(written.map(\.lastPathComponent).sorted(), expectedNames)
        var identical = 0, numericFields = 0
        for name in expectedNames {
            let got = try Data(contentsOf: out.appendingPathComponent(name))
            let want = try Data(contentsOf: fixture("expected/\(name)"))
            if got == want { identical += 1; continue }
            // Only p-values may differ, in their last digits (scipy's erfc vs glibc's).
            let g = try records(out.appendingPathComponent(name)), w = try records(fixture("expected/\(name)"))
            XCTAssertEqual(g.count, w.count, name)
            for (rg, rw) in zip(g, w) {
                XCTAssertEqual(rg.count, rw.count, name)
                for (a, b) in zip(rg, rw) where a != b {
                    guard let x = Double(a), let y = Double(b) else {
                        XCTFail("\(name): '\(a)' vs '\(b)'")
                        continue
                    }
                    numericFields += 1
                    XCTAssertLessThanOrEqual(abs(x - y), 1e-12 * abs(y), "\(name): \(a) vs \(b)")
                }
            }
        }
        print("BiasDiff: \(identical)/\(expectedNames.count) files byte-identical, \(numericFields) p-values within 1e-12")
        XCTAssertGreaterThanOrEqual(identical, 6)
    }

    func testPythonReprFormatting() {
        // Python repr() of the same doubles.
        let cases: [(Double, String)] = [
            (1, "1.0"), (0.1, "0.1"), (-0.0, "-0.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"), (0.00001, "1e-05"), (123.456, "123.456"), (2.5e-10, "2.5e-10"),
            (1.0 / 3, "0.3333333333333333"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-0.20000000000000007, "-0.20000000000000007"), (12345678901234567.0, "1.2345678901234568e+16"),
        ]
        for (v, s) in cases { XCTAssertEqual(pythonRepr(v), s) }
    }

    func writeTemp(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hb-scores-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        return url
    }

    func testMissingColumnNamesFileLineAndField() throws {
        let url = try writeTemp("text,descriptor,axis,perplexity\na,b,c,1.0\n")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try Scores(url: url)) { error in
            let e = error as? HolisticBiasError
            XCTAssertEqual(e?.file, url.path)
            XCTAssertEqual(e?.line, 1)
            XCTAssertEqual(e?.field, "template")
        }
    }

    func testNonNumericPerplexityNamesLine() throws {
        let url = try writeTemp("text,descriptor,axis,template,perplexity\n\"a,\nb\",d,x,t,1.5\nc,d,x,t,high\n")
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try Scores(url: url)) { error in
            let e = error as? HolisticBiasError
            XCTAssertEqual(e?.line, 4)
            XCTAssertEqual(e?.field, "perplexity")
        }
    }

    func testMissingScoresFileThrows() {
        XCTAssertThrowsError(try Scores(url: URL(fileURLWithPath: "/nonexistent/scores.csv"))) { error in
            XCTAssertEqual((error as? HolisticBiasError)?.file, "/nonexistent/scores.csv")
        }
    }
}

extension BiasDiffTests {
    func testPythonReprOfHalfIntegers() {
        let cases: [(Double, String)] = [(0.5, "0.5"), (12.5, "12.5"), (-3.5, "-3.5"), (450.0, "450.0"), (1e14 + 0.5, "100000000000000.5")]
        for (v, s) in cases { XCTAssertEqual(pythonRepr(v), s) }
    }
}

/// Issue 17: perplexities that no scorer produces, and a byte order mark before the header.
extension BiasDiffTests {
    func testNonFiniteZeroAndNegativePerplexitiesNameTheRow() throws {
        for bad in ["inf", "-inf", "0", "0.0", "-3.5", "1e999"] {
            let url = try writeTemp("text,descriptor,axis,template,perplexity\na,d,x,t,2.5\nb,d,x,t,\(bad)\n")
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try Scores(url: url), bad) { error in
                let e = error as? HolisticBiasError
                XCTAssertEqual(e?.line, 3, bad)
                XCTAssertEqual(e?.field, "perplexity", bad)
                XCTAssertTrue(e?.message.hasPrefix("row 2:") ?? false, "\(bad): \(e?.message ?? "")")
            }
        }
    }

    func testByteOrderMarkBeforeHeaderIsSkipped() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hb-scores-\(UUID().uuidString).csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("text,descriptor,axis,template,perplexity\na,d,x,t,2.5\n".utf8)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let scores = try Scores(url: url)
        XCTAssertEqual(scores.rows, [Scores.Row(text: "a", descriptor: "d", axis: "x", template: "t", perplexity: 2.5)])
    }
}
