import Foundation
import Hummingbird
import Llama
import NIOCore
import QLoRA

/// The HTTP face of the detector (`qlora serve`): `POST /v1/classify` (our schema, the one of
/// `qlora infer --json`), `POST /v1/moderations` (OpenAI's shape), `POST /v1alpha1/comments:analyze`
/// (Perspective's), `GET /healthz`, `GET /metrics` (Prometheus) and `GET /` (a page to try it).
/// Every statement goes through one `DetectionQueue`, so concurrent requests share batches.
/// Every failure answers a JSON error, `{"error": {"code", "status", "type", "message"}}`.
public final class ModerationServer: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        /// Statements in one request.
        public var maxStatements: Int
        /// UTF-8 bytes of one statement.
        public var maxStatementBytes: Int
        /// Bytes of one request body.
        public var maxBodyBytes: Int

        public init(maxStatements: Int = 64, maxStatementBytes: Int = 20_000, maxBodyBytes: Int = 2 << 20) {
            self.maxStatements = maxStatements
            self.maxStatementBytes = maxStatementBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public let detector: BatchedDetector
    public let queue: DetectionQueue
    public let metrics: ServerMetrics
    public let limits: Limits
    /// What the responses name as their model.
    public let modelName: String
    public let defaultMode: BlendMode
    public let sources: [String]

    public init(detector: BatchedDetector, modelName: String, limits: Limits = Limits(), queueLimits: DetectionQueue.Limits = .init()) {
        let metrics = ServerMetrics()
        self.detector = detector
        queue = DetectionQueue(limits: queueLimits, onBatch: { size, _ in metrics.batch(size: size) }, runner: detector.run)
        self.metrics = metrics
        self.limits = limits
        self.modelName = modelName
        defaultMode = detector.classifier.defaultMode
        sources = detector.classifier.mixer.sources.map(\.name)
    }

    /// The routes, behind the middleware that times them and turns errors into JSON.
    public func router() -> Hummingbird.Router<BasicRequestContext> {
        let router = Hummingbird.Router()
        router.add(middleware: ServingMiddleware(metrics: metrics))
        router.get("/") { _, _ in Self.response(ModerationPage.html, contentType: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ in
            try Self.json(Health(status: "ok", model: self.modelName, adapters: self.sources, defaultBlend: self.defaultMode.rawValue,
                                 queueDepth: self.queue.depth, queueCapacity: self.queue.limits.capacity))
        }
        router.get("/metrics") { _, _ in Self.response(self.metrics.text(queueDepth: self.queue.depth), contentType: "text/plain; version=0.0.4; charset=utf-8") }
        router.post("/v1/classify") { request, context in
            let body = try await self.decode(ModerationAPI.ClassifyRequest.self, request, context)
            let mode = try self.mode(body.blend)
            let records = try await self.detect(body.statements, field: "statements", mode: mode, explain: body.explain ?? true)
            return try Self.json(ModerationAPI.ClassifyResponse(model: self.modelName, blend: mode.rawValue, results: records))
        }
        router.post("/v1/moderations") { request, context in
            let body = try await self.decode(ModerationAPI.OpenAIRequest.self, request, context)
            let records = try await self.detect(body.input, field: "input", mode: self.defaultMode, explain: false)
            return try Self.json(ModerationAPI.OpenAIResponse(id: "modr-" + UUID().uuidString.lowercased(), model: self.modelName,
                                                             results: records.map(ModerationAPI.openAIResult)))
        }
        router.post("/v1alpha1/comments:analyze") { request, context in
            let body = try await self.decode(ModerationAPI.PerspectiveRequest.self, request, context)
            let asked = body.requestedAttributes.keys.sorted()
            guard !asked.isEmpty else { throw APIError(.badRequest, "requestedAttributes is empty; ask for any of \(ModerationAPI.perspectiveAttributes.joined(separator: ", "))") }
            if let bad = asked.first(where: { !ModerationAPI.perspectiveAttributes.contains($0) }) {
                throw APIError(.badRequest, "attribute \(bad) is not served; this server scores \(ModerationAPI.perspectiveAttributes.joined(separator: ", "))")
            }
            if let languages = body.languages, !languages.isEmpty, !languages.contains(where: { $0.lowercased().hasPrefix("en") }) {
                throw APIError(.badRequest, "languages \(languages) are not served; the detector reads English (en)")
            }
            let record = try await self.detect([body.comment.text], field: "comment.text", mode: self.defaultMode, explain: false)[0]
            var scores: [String: ModerationAPI.PerspectiveResponse.Attribute] = [:]
            for a in asked { scores[a] = .init(summaryScore: .init(value: ModerationAPI.perspectiveScore(a, record)!, type: "PROBABILITY")) }
            return try Self.json(ModerationAPI.PerspectiveResponse(attributeScores: scores, languages: ["en"]))
        }
        return router
    }

    /// An application serving `router()` on `host:port`; a connection idle for `idleTimeout`
    /// seconds (a slow or stalled client) is closed.
    public func application(host: String = "127.0.0.1", port: Int = 8080, idleTimeout: Double = 30,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))),
                    configuration: .init(address: .hostname(host, port: port), serverName: "qlora-serve"),
                    onServerRunning: onServerRunning)
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight and stops the queue.
    public func run(host: String, port: Int, idleTimeout: Double, onRunning: @escaping @Sendable () -> Void) async throws {
        let app = application(host: host, port: port, idleTimeout: idleTimeout) { _ in onRunning() }
        defer { queue.stop() }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    struct Health: Encodable {
        var status: String
        var model: String
        var adapters: [String]
        var defaultBlend: String
        var queueDepth: Int
        var queueCapacity: Int

        enum CodingKeys: String, CodingKey {
            case status, model, adapters
            case defaultBlend = "default_blend"
            case queueDepth = "queue_depth"
            case queueCapacity = "queue_capacity"
        }
    }

    func mode(_ name: String?) throws -> BlendMode {
        guard let name else { return defaultMode }
        guard let mode = BlendMode(rawValue: name), mode.isRouted else {
            throw APIError(.badRequest, "blend must be one of \(BlendMode.routed.map(\.rawValue).joined(separator: ", ")), got \(name)")
        }
        return mode
    }

    /// The request body as `T`, within the body limit.
    func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "the request body is over the limit of \(limits.maxBodyBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, "the body is not the JSON this endpoint takes: \(Self.describe(error))")
        }
    }

    /// Checks the statements against the limits, then answers them through the queue.
    func detect(_ statements: [String], field: String, mode: BlendMode, explain: Bool) async throws -> [VerdictRecord] {
        guard !statements.isEmpty else { throw APIError(.badRequest, "\(field) is empty; give at least one statement") }
        guard statements.count <= limits.maxStatements else {
            throw APIError(.contentTooLarge, "\(field) holds \(statements.count) statements, over the limit of \(limits.maxStatements) per request")
        }
        for (i, s) in statements.enumerated() {
            let what = statements.count == 1 && field != "statements" ? field : "\(field)[\(i)]"
            guard !s.allSatisfy(\.isWhitespace) else { throw APIError(.badRequest, "\(what) is empty or only whitespace; there is nothing to classify") }
            guard s.utf8.count <= limits.maxStatementBytes else {
                throw APIError(.contentTooLarge, "\(what) is \(s.utf8.count) bytes, over the limit of \(limits.maxStatementBytes)")
            }
        }
        return try await queue.submit(statements.map { DetectionJob(statement: $0, mode: mode, explain: explain) })
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        response(String(decoding: try VerdictRecord.encoder.encode(value), as: UTF8.self), status: status, contentType: "application/json")
    }

    static func response(_ text: String, status: HTTPResponse.Status = .ok, contentType: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A decoding error as a reader can act on it: what was wrong, and where.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
        }
        func kind(_ t: Any.Type) -> String {
            switch t {
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            case is Double.Type, is Int.Type: return "a number"
            default:
                let name = "\(t)"
                return name.hasPrefix("Array") ? "an array" : name.hasPrefix("Dictionary") ? "an object" : name
            }
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])) is missing"
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)) should be \(kind(t))"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)) should be \(kind(t)), not null"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A request the server refuses, with its HTTP status.
public struct APIError: Error, Equatable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }
}

/// Times every request for the metrics and answers every error as JSON.
struct ServingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics
    static let routes: Set<String> = ["/", "/healthz", "/metrics", "/v1/classify", "/v1/moderations", "/v1alpha1/comments:analyze"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.errorResponse(error)
            if response.status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(error)") }
        }
        let elapsed = ContinuousClock.now - start
        let route = Self.routes.contains(request.uri.path) ? request.uri.path : "other"
        metrics.request(route: route, status: response.status.code,
                        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        return response
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: Int
            var status: String
            var type: String
            var message: String
        }
        var error: Detail
    }

    static func errorResponse(_ error: Error) -> Response {
        let (status, message): (HTTPResponse.Status, String)
        var extra: HTTPFields = [:]
        switch error {
        case let e as APIError: (status, message) = (e.status, e.message)
        case let e as QueueError:
            switch e {
            case .full:
                (status, message) = (.tooManyRequests, e.description)
                extra[.retryAfter] = "1"
            case .timedOut, .stopped: (status, message) = (.serviceUnavailable, e.description)
            }
        case let e as StatementError: (status, message) = (.badRequest, e.description)
        case let e as HTTPError: (status, message) = (e.status, e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError: (status, message) = (e.status, e.status.reasonPhrase)
        default: (status, message) = (.internalServerError, "\(error)")
        }
        let kind: (String, String)
        switch status.code {
        case 400: kind = ("INVALID_ARGUMENT", "invalid_request_error")
        case 404: kind = ("NOT_FOUND", "invalid_request_error")
        case 413: kind = ("INVALID_ARGUMENT", "invalid_request_error")
        case 429: kind = ("RESOURCE_EXHAUSTED", "rate_limit_error")
        case 503: kind = ("UNAVAILABLE", "server_error")
        case 400..<500: kind = ("FAILED_PRECONDITION", "invalid_request_error")
        default: kind = ("INTERNAL", "server_error")
        }
        let body = Body(error: .init(code: status.code, status: kind.0, type: kind.1, message: message))
        let text = (try? VerdictRecord.encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":{\"code\":\(status.code)}}"
        return ModerationServer.response(text, status: status, contentType: "application/json", extra: extra)
    }
}
