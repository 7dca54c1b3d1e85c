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

    func testParsesTheChatLayoutAndStopsAtTheEndOfTurn() {
        let hate = ExplanationRecord(statement: "s", label: .hate, explanation: "unused", groups: ["Refugee", "Arab"],
                                     harmfulWords: ["vermin", "go back"], reason: "Dehumanising.", source: "x", id: "1")
        let a = ExplainedAnswer(parsing: PromptFormat.answer(hate, style: .chat) + "\n<|im_start|>user\nClassification: neutral")
        XCTAssertEqual(a.label, .hate)
        XCTAssertEqual(a.groups, ["Refugee", "Arab"])
        XCTAssertEqual(a.harmfulWords, ["vermin", "go back"])
        XCTAssertEqual(a.reason, "Dehumanising.")
        XCTAssertFalse(a.text.contains("<|im_"))
        let neutral = ExplanationRecord(statement: "s", label: .neutral, explanation: "Nothing demeaning.", groups: [], harmfulWords: [],
                                        reason: "", source: "x", id: "2")
        let b = ExplainedAnswer(parsing: PromptFormat.answer(neutral, style: .chat))
        XCTAssertEqual(b.label, .neutral)
        XCTAssertEqual(b.reason, "Nothing demeaning.")
        XCTAssertEqual(b.groups, [])
    }

    /// The paper's numbered headers leave "(3)" and the like at a section's end once the markers are
    /// unnumbered; they must not become list items.
    func testNumberedHeadersDoNotLeakIntoLists() {
        let a = ExplainedAnswer(parsing: "Classification: hate\n(2) Affected Groups: women\n(3) Harmful Words: x\n(4) Reason for Harm: r")
        XCTAssertEqual(a.groups, ["women"])
        XCTAssertEqual(a.harmfulWords, ["x"])
        XCTAssertEqual(a.reason, "r")
    }
}
