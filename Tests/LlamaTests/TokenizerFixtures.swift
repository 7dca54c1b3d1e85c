import Foundation
import Llama
import TestSupport
import XCTest

/// The sentencepiece-made expectations in Fixtures/tokenizer_vectors.json
/// (written by Scripts/fixtures/tokenizer_vectors.py).
struct TokenizerVectors {
    struct Expected {
        let ids: [[Int]]
        let decoded: [String]
        let withBOSAndEOS: [[Int]]
        let decodeCases: [(ids: [Int], text: String)]
        let bosID: Int?
        let eosID: Int?
    }

    let strings: [String]
    private let tokenizers: [String: Any]

    static func load() throws -> TokenizerVectors {
        let root = try XCTUnwrap(Fixtures.json("tokenizer_vectors.json", in: Bundle.module) as? [String: Any])
        return TokenizerVectors(strings: try XCTUnwrap(root["strings"] as? [String]),
                                tokenizers: try XCTUnwrap(root["tokenizers"] as? [String: Any]))
    }

    func expected(_ name: String) throws -> Expected {
        let entry = try XCTUnwrap(tokenizers[name] as? [String: Any], "fixture has no tokenizer \(name)")
        let cases = (entry["decode_cases"] as? [[String: Any]] ?? []).map { ($0["ids"] as? [Int] ?? [], $0["text"] as? String ?? "") }
        func id(_ key: String) -> Int? { (entry[key] as? Int).flatMap { $0 >= 0 ? $0 : nil } }
        return Expected(ids: try XCTUnwrap(entry["ids"] as? [[Int]]),
                        decoded: try XCTUnwrap(entry["decoded"] as? [String]),
                        withBOSAndEOS: entry["with_bos_eos"] as? [[Int]] ?? [],
                        decodeCases: cases, bosID: id("bos_id"), eosID: id("eos_id"))
    }

    func file(_ name: String) throws -> String? {
        (tokenizers[name] as? [String: Any])?["file"] as? String
    }
}

/// Asserts encode and decode of every fixture string against the reference, reporting at most a few
/// mismatches in full so a failure stays readable.
func assertMatches(_ tokenizer: Tokenizer, _ vectors: TokenizerVectors, _ expected: TokenizerVectors.Expected,
                   checkDecode: Bool = true, label: String, file: StaticString = #filePath, line: UInt = #line) {
    var failures = 0
    for (index, text) in vectors.strings.enumerated() {
        let ids = tokenizer.encode(text, addBOS: false)
        if ids != expected.ids[index] {
            failures += 1
            if failures <= 5 {
                XCTFail("\(label): encode(\(text.debugDescription)) = \(ids), reference \(expected.ids[index])", file: file, line: line)
            }
        }
        if checkDecode {
            let decoded = tokenizer.decode(expected.ids[index])
            if decoded != expected.decoded[index] {
                failures += 1
                if failures <= 5 {
                    XCTFail("\(label): decode(\(expected.ids[index])) = \(decoded.debugDescription), reference \(expected.decoded[index].debugDescription)", file: file, line: line)
                }
            }
        }
    }
    XCTAssertEqual(failures, 0, "\(label): \(failures) mismatches over \(vectors.strings.count) strings", file: file, line: line)
}
