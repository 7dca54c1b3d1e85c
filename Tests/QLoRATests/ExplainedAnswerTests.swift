import XCTest
@testable import QLoRA

final class ExplainedAnswerTests: XCTestCase {
    func testParsesAllSectionsOfTheTrainingLayout() {
        let record = ExplanationRecord(statement: "s", label: .hate, explanation: "It attacks refugees.", groups: ["Refugee", "Arab"],
                                       harmfulWords: ["vermin", "go back"], reason: "Dehumanising.", source: "x", id: "1")
        let a = ExplainedAnswer(parsing: PromptFormat.answer(record))
        XCTAssertEqual(a.label, .hate)
        XCTAssertEqual(a.explanation, "It attacks refugees.")
        XCTAssertEqual(a.groups, ["Refugee", "Arab"])
        XCTAssertEqual(a.harmfulWords, ["vermin", "go back"])
        XCTAssertEqual(a.reason, "Dehumanising.")
    }

    func testRunOnGenerationIsCutAtTheNextTurn() {
        let text = "(1) Holistic Explanation: Nothing harmful.\n\nClassification: Neutral\n\n###User: Categorize ... Classification: hate"
        let a = ExplainedAnswer(parsing: text)
        XCTAssertEqual(a.label, .neutral)
        XCTAssertEqual(a.explanation, "Nothing harmful.")
        XCTAssertFalse(a.text.contains("###"))
    }

    func testRepeatedAnswerKeepsTheFirst() {
        let text = "(1) Holistic Explanation: A.\nClassification: offensive\n(1) Holistic Explanation: B.\nClassification: hate"
        XCTAssertEqual(ExplainedAnswer(parsing: text).label, .offensive)
    }

    func testLabelSynonymsAndMissingMarker() {
        XCTAssertEqual(ExplainedAnswer(parsing: "Classification: HATEFUL.").label, .hate)
        XCTAssertEqual(ExplainedAnswer(parsing: "Classification: hate speech").label, .hate)
        XCTAssertEqual(ExplainedAnswer(parsing: "I think this is offensive language").label, .offensive)
        XCTAssertNil(ExplainedAnswer(parsing: "once upon a time there was a dog").label)
        XCTAssertEqual(ExplainedAnswer(parsing: "Classification: hate\n(2) Affected Groups: none identified").groups, [])
    }
}
