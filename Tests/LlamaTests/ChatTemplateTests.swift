import Foundation
import Llama
import TestSupport
import XCTest

/// ChatML rendering against transformers' `apply_chat_template` on SmolLM2's own Jinja template
/// (Scripts/fixtures/chat_template.py).
final class ChatTemplateTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let messages: [[String: String]]
            let add_generation_prompt: Bool
            let text: String
        }
        let template: String
        let cases: [Case]
    }

    func testSmolLM2TemplateRendersAsTransformersDoes() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("smollm2/chat_template.json", in: .module)))
        let template = try XCTUnwrap(ChatTemplate(jinja: fixture.template))
        XCTAssertEqual(template.defaultSystem, "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        for c in fixture.cases {
            let messages = c.messages.map { ChatTemplate.Message(role: $0["role"]!, content: $0["content"]!) }
            XCTAssertEqual(template.render(messages, addGenerationPrompt: c.add_generation_prompt), c.text)
        }
    }

    func testNonChatMLTemplatesAreNotGuessed() {
        XCTAssertNil(ChatTemplate(jinja: "{% for message in messages %}[INST] {{ message['content'] }} [/INST]{% endfor %}"))
        XCTAssertNil(ChatTemplate(jinja: ""))
        // A default system prompt spliced from a variable is not taken as literal text.
        let spliced = ChatTemplate(jinja: "{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n' + default + '<|im_end|>\n' }}{% endif %}{{ '<|im_start|>' + message['role'] }}")
        XCTAssertNil(spliced?.defaultSystem)
    }
}
