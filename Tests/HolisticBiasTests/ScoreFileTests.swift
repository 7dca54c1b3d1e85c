import Foundation
import XCTest
@testable import HolisticBias

final class ScoreFileTests: XCTestCase {
    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hb-scores-\(UUID().uuidString)/scores.csv")
    }

    func row(_ text: String, _ ppl: Double) -> Scores.Row {
        Scores.Row(text: text, descriptor: "d, \"quoted\"", axis: "ability", template: "I'm {noun_phrase}.", perplexity: ppl)
    }

    func testResumeSkipsWrittenRowsAndDropsAPartialLine() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try ScoreFile(url: url).append([row("a", 12.5), row("b", 3.25), row("a", 7)])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), #"""
            text,descriptor,axis,template,perplexity
            a,"d, ""quoted""",ability,I'm {noun_phrase}.,12.5
            b,"d, ""quoted""",ability,I'm {noun_phrase}.,3.25
            a,"d, ""quoted""",ability,I'm {noun_phrase}.,7.0

            """#)
        // A run killed mid-write leaves half a row.
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data("c,\"d, \"\"quo".utf8))
        try handle.close()

        let file = try ScoreFile(url: url)
        XCTAssertEqual(file.existing, [row("a", 12.5), row("b", 3.25), row("a", 7)])
        // "a" was written twice, so a third "a" is still to do; "c" was cut off.
        let pending = ["a", "b", "c", "a", "a", "d"]
        XCTAssertEqual(file.remaining(pending) { self.row($0, 0) }, ["c", "a", "d"])
        try file.append([row("c", 1e-3)])
        XCTAssertEqual(try Scores(url: url).rows.map(\.text), ["a", "b", "a", "c"])
        XCTAssertEqual(try Scores(url: url).rows.last?.perplexity, 1e-3)
    }

    func testAHalfWrittenHeaderStartsOver() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("text,descr".utf8).write(to: url)
        let file = try ScoreFile(url: url)
        XCTAssertEqual(file.existing, [])
        try file.append([row("x", 2)])
        XCTAssertEqual(try Scores(url: url).rows, [row("x", 2)])
    }

    func testAFileWithoutThePerplexityColumnIsRefused() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("text,descriptor,axis,template\nx,y,z,w\n".utf8).write(to: url)
        XCTAssertThrowsError(try ScoreFile(url: url)) { error in
            XCTAssertEqual((error as? HolisticBiasError)?.field, "perplexity")
        }
    }

    func testSpreadKeepsEvenlySpacedItems() {
        XCTAssertEqual(ScoringSet.spread(Array(0..<10), limit: 4), [0, 2, 5, 7])
        XCTAssertEqual(ScoringSet.spread(Array(0..<3), limit: 5), [0, 1, 2])
        XCTAssertEqual(ScoringSet.spread(Array(0..<3), limit: nil), [0, 1, 2])
    }
}
