import ArgumentParser
import Foundation
import QLoRA
import Serving
import ToolSupport

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the detector over HTTP: our /v1/classify, OpenAI's /v1/moderations, Perspective's /v1alpha1/comments:analyze, and a page at /.",
        discussion: """
        Loads the detector once (the bundled default unless --bundle or --model says otherwise) and answers until SIGTERM \
        or SIGINT, finishing the requests in flight. Statements of concurrent requests are queued and run in batches of \
        up to --max_batch. Binds to loopback unless --host says otherwise. The API is documented in \
        Sources/Serving/openapi.yaml; try it with
          curl -s localhost:8080/v1/classify -d '{"statements": ["I love my neighbours"], "explain": true}'
        """)

    @Option(name: both("host"), help: "Address to bind (0.0.0.0 to accept other machines).") var host = "127.0.0.1"
    @Option(name: both("port")) var port = 8080
    @Option(name: both("model"), help: "A base model (path or published name) to run with --adapter and --router instead of the default bundle.") var model: String?
    @Option(name: both("bundle"), help: "A detector bundle folder instead of the default one.") var bundle: String?
    @Option(name: both("tokenizer")) var tokenizer: String?
    @Option(name: both("adapter"), help: "NAME=DIR, repeatable, in router order.") var adapter: [String] = []
    @Option(name: both("router"), help: "Router weights (safetensors).") var router: String?
    @Option(name: both("max_batch"), help: "Statements one detector batch takes.") var maxBatch = 16
    @Option(name: both("max_wait_ms"), help: "How long a batch waits after its first statement for more.") var maxWaitMs = 2.0
    @Option(name: both("max_queue"), help: "Statements waiting or running before requests get 429.") var maxQueue = 256
    @Option(name: both("timeout_s"), help: "Statements that waited this long are answered 503 instead of run.") var timeout = 30.0
    @Option(name: both("max_statements"), help: "Statements in one request.") var maxStatements = 64
    @Option(name: both("max_statement_bytes"), help: "UTF-8 bytes of one statement.") var maxStatementBytes = 20_000
    @Option(name: both("max_body_bytes"), help: "Bytes of one request body.") var maxBodyBytes = 2 << 20
    @Option(name: both("idle_timeout_s"), help: "A connection idle this long (a stalled client) is closed.") var idleTimeout = 30.0
    @Option(name: both("max_new_tokens"), help: "Token limit of an explained answer.") var maxNewTokens = 200

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535, got \(port)") }
        guard (1...256).contains(maxBatch) else { throw ValidationError("--max_batch must be 1...256, got \(maxBatch)") }
        guard maxWaitMs.isFinite && maxWaitMs >= 0 && maxWaitMs <= 10_000 else { throw ValidationError("--max_wait_ms must be 0...10000, got \(maxWaitMs)") }
        guard maxQueue >= 1 && maxQueue <= 1_000_000 else { throw ValidationError("--max_queue must be 1...1000000, got \(maxQueue)") }
        guard timeout.isFinite && timeout > 0 && timeout <= 86_400 else { throw ValidationError("--timeout_s must be in (0, 86400], got \(timeout)") }
        guard maxStatements >= 1 && maxStatements <= maxQueue else { throw ValidationError("--max_statements must be 1...--max_queue (\(maxQueue)), got \(maxStatements)") }
        guard maxStatementBytes >= 1 && maxStatementBytes <= maxBodyBytes else { throw ValidationError("--max_statement_bytes must be 1...--max_body_bytes (\(maxBodyBytes)), got \(maxStatementBytes)") }
        guard maxBodyBytes >= 1 && maxBodyBytes <= 1 << 30 else { throw ValidationError("--max_body_bytes must be 1...1073741824, got \(maxBodyBytes)") }
        guard idleTimeout.isFinite && idleTimeout > 0 && idleTimeout <= 3_600 else { throw ValidationError("--idle_timeout_s must be in (0, 3600], got \(idleTimeout)") }
        guard maxNewTokens >= 1 && maxNewTokens <= 4096 else { throw ValidationError("--max_new_tokens must be 1...4096, got \(maxNewTokens)") }
        try validateDetectorFlags(model: model, bundle: bundle, adapter: adapter, router: router)
    }

    func run() async throws {
        let (server, name) = try userFacing { () throws -> (ModerationServer, String) in
            let classifier = try buildClassifier(model: model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router, bundle: bundle)
            let detector = try BatchedDetector(classifier: classifier, maxNewTokens: maxNewTokens, maxRows: maxBatch)
            let name = model.map { "explaininghate(\($0))" } ?? "explaininghate-" + (bundle.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "default")
            let server = ModerationServer(detector: detector, modelName: name,
                                          limits: .init(maxStatements: maxStatements, maxStatementBytes: maxStatementBytes, maxBodyBytes: maxBodyBytes),
                                          queueLimits: .init(maxBatch: maxBatch, maxWait: maxWaitMs / 1000, capacity: maxQueue, timeout: timeout))
            return (server, name)
        }
        let (host, port) = (self.host, self.port)
        try await server.run(host: host, port: port, idleTimeout: idleTimeout) {
            note("serving \(name) on http://\(host):\(port)/ (blend \(server.defaultMode.rawValue), batches of up to \(server.queue.limits.maxBatch)); SIGTERM or Ctrl-C stops it")
        }
    }
}
