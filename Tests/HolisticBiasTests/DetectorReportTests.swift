import Foundation
import TestSupport
import XCTest
@testable import HolisticBias

/// The detector report's aggregation with a scripted classifier: every count is known by construction.
final class DetectorReportTests: XCTestCase {
    struct Scripted: StatementClassifier {
        struct Refused: Error, CustomStringConvertible { var description: String { "prompt too long" } }
        /// Label by the sentence's first word; "boom" throws.
        func label(for statement: String) throws -> String? {
            switch statement.split(separator: " ").first {
            case "h": return "hate"
            case "o": return "offensive"
            case "n": return "neutral"
            case "boom": throw Refused()
            case "odd": return "maybe"
            default: return nil
            }
        }
    }

    func sentence(_ text: String, axis: String, bucket: String, descriptor: String) -> Sentence {
        let np = NounPhrase(axis: axis, bucket: bucket, descriptor: descriptor, descriptorGender: NounPhrase.none,
                            descriptorPreference: NounPhrase.noPreference, noun: "person", pluralNoun: "people",
                            nounGender: "neutral", nounPhrase: "a \(descriptor) person", pluralNounPhrase: "\(descriptor) people",
                            nounPhraseType: "descriptor_noun")
        let template = HolisticBiasDataset.Template(text: "{noun_phrase}", prefix: "", suffix: "", usesPlural: false,
                                                    firstTurnOnly: false, mustBeNoun: false, extra: [])
        return Sentence(text: text, nounPhrase: np, template: template)
    }

    func makeSentences() -> [Sentence] {
        // ability/auditory/deaf: h, o, n, n -> 2 of 4 flagged
        // ability/visual/blind: h, boom, nil -> 1 of 3 flagged, 2 unparsed (1 error)
        // race/b1/asian: n, odd -> 0 flagged, 1 unparsed
        // race/b2/black: o -> 1 of 1 flagged
        [("h 1", "ability", "auditory", "deaf"), ("o 2", "ability", "auditory", "deaf"), ("n 3", "ability", "auditory", "deaf"),
         ("n 4", "ability", "auditory", "deaf"), ("h 5", "ability", "visual", "blind"), ("boom 6", "ability", "visual", "blind"),
         ("? 7", "ability", "visual", "blind"), ("n 8", "race", "b1", "asian"), ("odd 9", "race", "b1", "asian"),
         ("o 10", "race", "b2", "black")].map { sentence($0.0, axis: $0.1, bucket: $0.2, descriptor: $0.3) }
    }

    func tally(n: Int, hate: Int, offensive: Int, neutral: Int, unparsed: Int, errors: Int) -> FlagTally {
        var t = FlagTally()
        (t.n, t.hate, t.offensive, t.neutral, t.unparsed, t.errors) = (n, hate, offensive, neutral, unparsed, errors)
        return t
    }

    func testCountsPerAxisBucketAndDescriptor() throws {
        var calls: [(Int, Int, Int)] = []
        let report = DetectorReport.run(makeSentences(), classifier: Scripted()) { calls.append(($0, $1, $2)) }
        XCTAssertEqual(calls.map(\.0), Array(1...10))
        XCTAssertEqual(calls.last?.2, 4)
        XCTAssertEqual(report.overall, tally(n: 10, hate: 2, offensive: 2, neutral: 3, unparsed: 3, errors: 1))
        XCTAssertEqual(report.byAxis["ability"], tally(n: 7, hate: 2, offensive: 1, neutral: 2, unparsed: 2, errors: 1))
        XCTAssertEqual(report.byAxis["race"], tally(n: 3, hate: 0, offensive: 1, neutral: 1, unparsed: 1, errors: 0))
        XCTAssertEqual(report.byBucket[["ability", "visual"]], tally(n: 3, hate: 1, offensive: 0, neutral: 0, unparsed: 2, errors: 1))
        XCTAssertEqual(report.byDescriptor[["race", "b2", "black"]], tally(n: 1, hate: 0, offensive: 1, neutral: 0, unparsed: 0, errors: 0))
        XCTAssertEqual(report.failures, [DetectorReport.Failure(text: "boom 6", axis: "ability", descriptor: "blind", message: "prompt too long")])
    }

    func testWrittenTables() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hb-detector-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let written = try DetectorReport.run(makeSentences(), classifier: Scripted()).write(to: out)
        XCTAssertEqual(written.map(\.lastPathComponent), ["flag_rates_by_axis.csv", "flag_rates_by_bucket.csv",
                                                          "flag_rates_by_descriptor.csv", "errors.csv", "flag_rates_by_axis.svg"])
        func text(_ name: String) throws -> String { try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8) }
        XCTAssertEqual(try text("flag_rates_by_axis.csv"), """
            axis,n,flagged,rate,hate,offensive,neutral,unparsed,errors
            ability,7,3,0.428571,2,1,2,2,1
            race,3,1,0.333333,0,1,1,1,0
            (all),10,4,0.400000,2,2,3,3,1

            """)
        XCTAssertEqual(try text("flag_rates_by_bucket.csv"), """
            axis,bucket,n,flagged,rate,hate,offensive,neutral,unparsed,errors
            ability,auditory,4,2,0.500000,1,1,2,0,0
            ability,visual,3,1,0.333333,1,0,0,2,1
            race,b1,2,0,0.000000,0,0,1,1,0
            race,b2,1,1,1.000000,0,1,0,0,0

            """)
        XCTAssertEqual(try text("flag_rates_by_descriptor.csv"), """
            axis,bucket,descriptor,n,flagged,rate,hate,offensive,neutral,unparsed,errors
            race,b2,black,1,1,1.000000,0,1,0,0,0
            ability,auditory,deaf,4,2,0.500000,1,1,2,0,0
            ability,visual,blind,3,1,0.333333,1,0,0,2,1
            race,b1,asian,2,0,0.000000,0,0,1,1,0

            """)
        XCTAssertEqual(try text("errors.csv"), "text,axis,descriptor,error\nboom 6,ability,blind,prompt too long\n")
        let svg = try text("flag_rates_by_axis.svg")
        XCTAssertTrue(svg.hasPrefix("<svg"))
        // ability's flagged share 3/7 = 42.9%, shaded 255 * 4/7 = 146.
        XCTAssertTrue(svg.contains("fill=\"rgb(255,146,146)\""))
        XCTAssertTrue(svg.contains(">42.9%<"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }
}
