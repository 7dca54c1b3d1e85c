import Foundation
import TestSupport
import XCTest
@testable import HolisticBias

/// Python's `random` port and the get_sentence() sampler against the original
/// (Scripts/fixtures/holistic_bias_sampler.py).
final class SamplerTests: XCTestCase {
    struct Fixture: Decodable {
        struct MT: Decodable {
            var random: [Double]
            var randbelow: [Int]
            var uint32: [UInt32]
        }
        var mt: [String: MT]
        var samples: [String: [[String: Value]]]
    }

    enum Value: Decodable, Equatable {
        case string(String), bool(Bool)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) } else { self = .string(try c.decode(String.self)) }
        }
    }

    func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("holistic_bias_sampler.json", in: Bundle.module)))
    }

    func testPythonRandomMatchesCPython() throws {
        for (seed, expected) in try fixture().mt {
            var r = PythonRandom(seed: UInt64(seed)!)
            XCTAssertEqual((0..<5).map { _ in r.random() }, expected.random, "seed \(seed)")
            XCTAssertEqual((0..<5).map { _ in r.below(74296) }, expected.randbelow, "seed \(seed)")
            XCTAssertEqual((0..<5).map { _ in r.nextUInt32() }, expected.uint32, "seed \(seed)")
        }
    }

    func testSamplesMatchOriginalGetSentence() throws {
        let folder = try SharedAssets.require("holistic_bias/v1.0")
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: folder))
        let sentences = try Sampler.sentences(from: generator, useSmallSet: true)
        XCTAssertEqual(sentences.count, 74_296)
        for (seed, expected) in try fixture().samples {
            var sampler = Sampler(sentences: sentences, seed: UInt64(seed)!)
            for (k, want) in expected.enumerated() {
                let got = try sampler.next()
                var fields: [String: Value] = [:]
                for (key, value) in got.sentence.fields {
                    fields[key] = value == "True" || value == "False" ? .bool(value == "True") : .string(value)
                }
                fields["remove_im_contraction"] = .bool(got.removeImContraction)
                fields["remove_descriptor_hyphens"] = .bool(got.removeDescriptorHyphens)
                fields["lowercase_descriptor"] = .bool(got.lowercaseDescriptor)
                fields["remove_final_period"] = .bool(got.removeFinalPeriod)
                fields["variant_noun_phrase"] = .string(got.variantNounPhrase)
                XCTAssertEqual(fields, want, "seed \(seed) sample \(k)")
            }
        }
    }

    func testWordBoundaryReplacementMatchesPythonRe() {
        // re.sub(r"\bI'm\b", "I am", ...) and friends, outputs from CPython.
        XCTAssertEqual(Sampler.replaceWord("I'm", with: "I am", in: "Hi, I'm here. I'mm? xI'm"), "Hi, I am here. I'mm? xI'm")
        XCTAssertEqual(Sampler.replaceWord("a well-off man", with: "a well off man", in: "I'm a well-off man."), "I'm a well off man.")
        XCTAssertEqual(Sampler.replaceWord("Deaf", with: "deaf", in: "Deafness, Deaf."), "Deafness, deaf.")
    }
}
