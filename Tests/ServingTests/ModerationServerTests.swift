import Foundation
import Hummingbird
import HummingbirdTesting
import Llama
import NIOCore
import TestSupport
import XCTest
@testable import QLoRA
@testable import Serving

/// The endpoints on the shipped detector (SmolLM2 from ../shared): what they answer equals what
/// the library answers for the same statements one at a time, batching changes no answer, and
/// every bad request gets a JSON error with a 4xx status.
final class ModerationServerTests: XCTestCase {
    nonisolated(unsafe) static var cached: BatchedDetector?

    /// Loaded once: quantizing the base to NF4 and its dense copy take a few seconds. The
    /// detector is touched only by one server's queue at a time, or by a test between requests.
    func detector() throws -> BatchedDetector {
        let base = try SharedAssets.require("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
        if let d = Self.cached { return d }
        let c = try DefaultBundle.load(directory: DefaultBundle.sourceTreeDirectory) { name in
            guard name == "smollm2" else { throw XCTSkip("the bundle names base \(name); this test knows smollm2") }
            return base
        }.classifier()
        let d = try BatchedDetector(classifier: c)
        Self.cached = d
        return d
    }

    /// A server on the shipped detector; its queue stops when the test ends.
    func server(limits: ModerationServer.Limits = .init(), queue: DetectionQueue.Limits = .init()) throws -> ModerationServer {
        let s = ModerationServer(detector: try detector(), modelName: "test", limits: limits, queueLimits: queue)
        addTeardownBlock { s.queue.stop() }
        return s
    }

    static let statements = [
        "I had a lovely dinner with my grandmother today", "You are a stupid idiot", "I hate all muslims, they should leave",
        "The meeting is moved to Thursday at 3pm.", "women are too dumb to vote", "have a nice day bitch",
        "Muslims are welcome in our town", "those people are animals and should be shot", "My neighbour is gay and he helped me fix my car.",
        "go back to your country", "What a beautiful sunset over the lake", "I can't stand these immigrants ruining everything",
    ]

    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> (HTTPResponse.Status, Data) {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
            ($0.status, Data($0.body.readableBytesView))
        }
    }

    func json(_ object: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) }

    func testExplainedAnswerIsTheLibrarysAndItsWordsAreTheStatements() async throws {
        let s = try server()
        let c = s.detector.classifier
        let statement = "I hate all muslims, they should leave"
        let expected = VerdictRecord(try c.classify(statement, mode: c.defaultMode, options: GenerationOptions(maxNewTokens: 200, sampler: .greedyDecoding)))
        let app = Application(router: s.router())
        try await app.test(.router) { client in
            let (status, body) = try await self.post(client, "/v1/classify", self.json(["statements": [statement], "explain": true]))
            XCTAssertEqual(status, .ok, String(decoding: body, as: UTF8.self))
            let reply = try JSONDecoder().decode(ModerationAPI.ClassifyResponse.self, from: body)
            XCTAssertEqual(reply.blend, c.defaultMode.rawValue)
            XCTAssertEqual(reply.results.count, 1)
            let r = reply.results[0]
            // The answer word for word; the probabilities to float rounding (the batched path reads
            // the label off the last prompt row alone, `classify` off the prompt's whole product).
            XCTAssertEqual([r.label, r.explanation, r.reason], [expected.label, expected.explanation, expected.reason])
            XCTAssertEqual(r.groups, expected.groups)
            XCTAssertEqual(r.harmfulWords, expected.harmfulWords)
            XCTAssertEqual(r.gates, expected.gates)
            XCTAssertEqual(r.adaptersUsed, expected.adaptersUsed)
            for (label, p) in expected.labelProbabilities! { XCTAssertEqual(r.labelProbabilities![label]!, p, accuracy: 1e-5) }
            XCTAssertNotNil(r.explanation)
            for w in r.harmfulWords ?? [] { XCTAssertTrue(statement.lowercased().contains(w.lowercased()), "\(w) is not in the statement") }
            for g in r.groups ?? [] { XCTAssertTrue(TargetGroups.all.contains(g), "\(g) is not in the closed list") }
        }
    }

    /// Twelve concurrent requests through batches of up to 8: each answer equals the statement's
    /// own single forward (the label, and its probabilities to float rounding).
    func testBatchedAnswersEqualOneAtATime() async throws {
        let s = try server(queue: .init(maxBatch: 8, maxWait: 0.05))
        let c = s.detector.classifier
        let alone = try Self.statements.map { try c.labelVerdicts([$0], mode: c.defaultMode)[0] }
        let app = Application(router: s.router())
        let records = try await app.test(.router) { client in
            try await withThrowingTaskGroup(of: (Int, VerdictRecord).self) { group in
                for (i, statement) in Self.statements.enumerated() {
                    group.addTask {
                        let (status, body) = try await self.post(client, "/v1/classify", self.json(["statements": [statement], "explain": false]))
                        XCTAssertEqual(status, .ok, String(decoding: body, as: UTF8.self))
                        return (i, try JSONDecoder().decode(ModerationAPI.ClassifyResponse.self, from: body).results[0])
                    }
                }
                var out = [VerdictRecord?](repeating: nil, count: Self.statements.count)
                for try await (i, r) in group { out[i] = r }
                return out.map { $0! }
            }
        }
        for (i, (batched, single)) in zip(records, alone).enumerated() {
            XCTAssertEqual(batched.label, single.label?.rawValue, Self.statements[i])
            XCTAssertNil(batched.explanation)
            for (label, p) in single.labelProbabilities! {
                XCTAssertEqual(batched.labelProbabilities![label.rawValue]!, p, accuracy: 1e-5, "\(Self.statements[i]) \(label)")
            }
            for (name, g) in single.gates { XCTAssertEqual(batched.gates[name]!, g, accuracy: 1e-5, "\(Self.statements[i]) gate \(name)") }
        }
        let metrics = s.metrics.text(queueDepth: s.queue.depth)
        XCTAssertTrue(metrics.contains("qlora_statements_total 12"), metrics)
        XCTAssertFalse(metrics.contains("qlora_batch_size_bucket{le=\"1\"} 12"), "some statements shared a batch:\n\(metrics)")
    }

    /// The OpenAI and Perspective shapes are read off the same label distribution `/v1/classify` gives.
    func testModerationShapesReadTheLabelDistribution() async throws {
        let app = Application(router: try server().router())
        let statements = ["You are a stupid idiot", "What a beautiful sunset over the lake"]
        try await app.test(.router) { client in
            let (_, classified) = try await self.post(client, "/v1/classify", self.json(["statements": statements, "explain": false]))
            let records = try JSONDecoder().decode(ModerationAPI.ClassifyResponse.self, from: classified).results

            let (status, body) = try await self.post(client, "/v1/moderations", self.json(["input": statements]))
            XCTAssertEqual(status, .ok)
            let moderation = try JSONDecoder().decode(ModerationAPI.OpenAIResponse.self, from: body)
            XCTAssertEqual(moderation.results.count, 2)
            for (m, r) in zip(moderation.results, records) {
                let p = r.labelProbabilities!
                XCTAssertEqual(m.categoryScores["hate"]!, p["hate"]!, accuracy: 1e-12)
                XCTAssertEqual(m.categoryScores["harassment"]!, p["offensive"]!, accuracy: 1e-12)
                XCTAssertEqual(m.flagged, r.label != "neutral")
                XCTAssertEqual(m.categories["hate"], r.label == "hate")
            }
            let (oneStatus, one) = try await self.post(client, "/v1/moderations", self.json(["input": statements[0]]))
            XCTAssertEqual(oneStatus, .ok)
            let alone = try JSONDecoder().decode(ModerationAPI.OpenAIResponse.self, from: one).results[0]
            XCTAssertEqual(alone.flagged, moderation.results[0].flagged)
            XCTAssertEqual(alone.categoryScores["hate"]!, moderation.results[0].categoryScores["hate"]!, accuracy: 1e-5, "alone or in a batch of two")

            let (pStatus, pBody) = try await self.post(client, "/v1alpha1/comments:analyze", self.json(
                ["comment": ["text": statements[0]], "requestedAttributes": ["TOXICITY": [:], "IDENTITY_ATTACK": [:], "INSULT": [:]], "languages": ["en"]]))
            XCTAssertEqual(pStatus, .ok, String(decoding: pBody, as: UTF8.self))
            let perspective = try JSONDecoder().decode(ModerationAPI.PerspectiveResponse.self, from: pBody)
            // One statement alone here, in a batch of two above: equal to float rounding.
            let p = records[0].labelProbabilities!
            XCTAssertEqual(perspective.attributeScores["TOXICITY"]!.summaryScore.value, p["offensive"]! + p["hate"]!, accuracy: 1e-5)
            XCTAssertEqual(perspective.attributeScores["IDENTITY_ATTACK"]!.summaryScore.value, p["hate"]!, accuracy: 1e-5)
            XCTAssertEqual(perspective.attributeScores["INSULT"]!.summaryScore.value, p["offensive"]!, accuracy: 1e-5)
            XCTAssertEqual(perspective.attributeScores["TOXICITY"]!.summaryScore.type, "PROBABILITY")
        }
    }

    /// Hostile and careless requests: each gets its 4xx and a JSON error naming the problem;
    /// none reaches the model, and the server still answers afterwards.
    func testBadRequestsGetJSONErrors() async throws {
        let s = try server(limits: .init(maxStatements: 8, maxStatementBytes: 1_000, maxBodyBytes: 64 << 10))
        let app = Application(router: s.router())
        let many = json(["statements": Array(repeating: "hello", count: 10_000)])
        let cases: [(String, HTTPRequest.Method, [UInt8], HTTPResponse.Status, String)] = [
            ("/v1/classify", .post, Array("{\"statements\": [".utf8), .badRequest, "not valid JSON"),
            ("/v1/classify", .post, Array("{\"statements\": \"one\"}".utf8), .badRequest, "statements should be"),
            ("/v1/classify", .post, Array("{\"statement\": [\"a\"]}".utf8), .badRequest, "statements is missing"),
            ("/v1/classify", .post, Array("{\"statements\": [1, 2]}".utf8), .badRequest, "statements[0] should be"),
            ("/v1/classify", .post, Array("{\"statements\": []}".utf8), .badRequest, "statements is empty"),
            ("/v1/classify", .post, Array("{\"statements\": [\"  \\n\"]}".utf8), .badRequest, "statements[0] is empty or only whitespace"),
            ("/v1/classify", .post, Array("{\"statements\": [\"a\"], \"blend\": \"full\"}".utf8), .badRequest, "blend must be one of"),
            ("/v1/classify", .post, Array("{\"statements\": [\"a\"], \"explain\": \"yes\"}".utf8), .badRequest, "explain should be"),
            ("/v1/classify", .post, Array("{\"statements\": [\"".utf8) + [0xFF, 0xFE] + Array("\"]}".utf8), .badRequest, "not valid JSON"),
            ("/v1/classify", .post, Array(json(["statements": [String(repeating: "a", count: 1_001)]]).utf8), .contentTooLarge, "over the limit of 1000"),
            ("/v1/classify", .post, Array(json(["statements": Array(repeating: "a", count: 9)]).utf8), .contentTooLarge, "9 statements, over the limit of 8"),
            ("/v1/classify", .post, Array(many.utf8), .contentTooLarge, "over the limit of 65536 bytes"),
            ("/v1/moderations", .post, Array("{\"input\": {\"text\": \"a\"}}".utf8), .badRequest, "input should be"),
            ("/v1alpha1/comments:analyze", .post, Array("{\"comment\": {\"text\": \"a\"}, \"requestedAttributes\": {\"THREAT\": {}}}".utf8), .badRequest, "THREAT is not served"),
            ("/v1alpha1/comments:analyze", .post, Array("{\"comment\": {\"text\": \"a\"}, \"requestedAttributes\": {}}".utf8), .badRequest, "requestedAttributes is empty"),
            ("/v1alpha1/comments:analyze", .post, Array("{\"comment\": {\"text\": \"a\"}, \"requestedAttributes\": {\"TOXICITY\": {}}, \"languages\": [\"de\"]}".utf8), .badRequest, "not served"),
            ("/nowhere", .get, [], .notFound, "Not Found"),
        ]
        try await app.test(.router) { client in
            for (uri, method, body, status, message) in cases {
                try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body)) { response in
                    let text = String(buffer: response.body)
                    XCTAssertEqual(response.status, status, "\(uri) \(String(decoding: body.prefix(80), as: UTF8.self)): \(text)")
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    let error = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Any]]
                    XCTAssertEqual(error?["error"]?["code"] as? Int, Int(status.code), text)
                    XCTAssertTrue((error?["error"]?["message"] as? String ?? "").contains(message), "\(uri): \(text) lacks \(message)")
                }
            }
            let (status, _) = try await self.post(client, "/v1/classify", "{\"statements\": [\"still here\"], \"explain\": false}")
            XCTAssertEqual(status, .ok)
        }
        XCTAssertTrue(s.metrics.text(queueDepth: s.queue.depth).contains("qlora_statements_total 1\n"), "only the good request reached the detector")
    }

    func testHealthMetricsAndPage() async throws {
        let app = Application(router: try server().router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let health = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                XCTAssertEqual(health?["status"] as? String, "ok")
                XCTAssertEqual(health?["adapters"] as? [String], ["microblogs", "forums", "hatexplain"])
            }
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                XCTAssertTrue(page.contains("<form id=\"form\">") && page.contains("/v1/classify"))
                XCTAssertFalse(page.contains("http://") || page.contains("https://"), "the page loads nothing from outside")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let text = String(buffer: response.body)
                XCTAssertTrue(text.contains("qlora_requests_total{route=\"/healthz\",status=\"200\"} 1"), text)
                XCTAssertTrue(text.contains("qlora_request_duration_seconds_count{route=\"/\"} 1"), text)
                XCTAssertTrue(text.contains("qlora_queue_depth 0"), text)
            }
        }
    }

    /// A real socket on loopback, as clients reach it.
    func testLiveServerOnLoopback() async throws {
        let app = try server().application(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let (status, body) = try await self.post(client, "/v1/moderations", self.json(["input": "What a beautiful sunset over the lake"]))
            XCTAssertEqual(status, .ok, String(decoding: body, as: UTF8.self))
            XCTAssertEqual(try JSONDecoder().decode(ModerationAPI.OpenAIResponse.self, from: body).results.count, 1)
        }
    }
}
