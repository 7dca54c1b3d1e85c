import Foundation
import XCTest
@testable import QLoRA

final class TrainingDataReaderTests: XCTestCase {
    func write(_ text: String, name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testJSONArrayOfTextRecordsSplitsPromptAtAssistantMarker() throws {
        let url = try write("[{\"text\": \"###User: hi\\n\\n### Assistant:\\nanswer\"}]", name: "a.json")
        let examples = try TrainingDataReader.load(url)
        XCTAssertEqual(examples, [TrainingExample(text: "###User: hi\n\n### Assistant:\nanswer", prompt: "###User: hi\n\n### Assistant:\n", source: "all")])
    }

    func testJSONLStructuredRecordsUseThePapersPrompt() throws {
        let url = try write("""
        {"statement": "they are vermin", "label": "hate", "explanation": "E.", "groups": ["Refugees"], "harmful_words": ["vermin"], "reason": "R.", "source": "forums"}

        {"statement": "nice day", "label": "neutral", "explanation": "N.", "source": "microblogs"}
        """, name: "b.jsonl")
        let examples = try TrainingDataReader.load(url)
        XCTAssertEqual(examples.count, 2)
        XCTAssertEqual(examples[0].prompt, PromptFormat.prompt(statement: "they are vermin"))
        XCTAssertTrue(examples[0].text.hasSuffix("(3) Harmful Words: vermin\n(4) Reason for Harm: R.\n"))
        XCTAssertEqual(examples[1].source, "microblogs")
    }

    func testMalformedLineNamesFileAndLine() throws {
        let url = try write("{\"text\": \"ok\"}\n{\"text\": oops}\n", name: "c.jsonl")
        XCTAssertThrowsError(try TrainingDataReader.load(url)) { error in
            XCTAssertEqual(String(describing: error), "\(url.path): line 2: not valid JSON")
        }
    }

    func testWrongFieldTypeIsNamed() throws {
        let url = try write(#"[{"statement": "x", "label": "maybe"}]"#, name: "d.json")
        XCTAssertThrowsError(try TrainingDataReader.load(url)) { error in
            XCTAssertTrue(String(describing: error).contains("record 1: field 'label'"))
        }
    }
}
