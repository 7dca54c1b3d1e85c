import Foundation

/// The server's counters in the Prometheus text exposition format (version 0.0.4): requests by
/// route and status, request latency and batch size histograms, statements classified, and the
/// queue depth the scrape passes in.
public final class ServerMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, seconds.
    static let latencyBounds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    static let batchBounds: [Double] = [1, 2, 4, 8, 16, 32, 64]

    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ v: Double) {
            for (i, b) in bounds.enumerated() where v <= b { counts[i] += 1 }
            sum += v
            count += 1
        }

        func lines(_ name: String, labels: String) -> [String] {
            let sep = labels.isEmpty ? "" : labels + ","
            var out = zip(bounds, counts).map { "\(name)_bucket{\(sep)le=\"\(ServerMetrics.number($0))\"} \($1)" }
            out.append("\(name)_bucket{\(sep)le=\"+Inf\"} \(count)")
            let braces = labels.isEmpty ? "" : "{\(labels)}"
            out.append("\(name)_sum\(braces) \(ServerMetrics.number(sum))")
            out.append("\(name)_count\(braces) \(count)")
            return out
        }
    }

    private let lock = NSLock()
    private var requests: [String: [Int: Int]] = [:]
    private var latency: [String: Histogram] = [:]
    private var batches = Histogram(bounds: ServerMetrics.batchBounds)
    private var statements = 0

    public init() {}

    public func request(route: String, status: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        requests[route, default: [:]][status, default: 0] += 1
        latency[route, default: Histogram(bounds: Self.latencyBounds)].observe(seconds)
    }

    public func batch(size: Int) {
        lock.lock()
        defer { lock.unlock() }
        batches.observe(Double(size))
        statements += size
    }

    /// The exposition, with the queue's depth read at scrape time.
    public func text(queueDepth queued: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        var lines = ["# HELP qlora_requests_total HTTP requests by route and status.", "# TYPE qlora_requests_total counter"]
        for (route, byStatus) in requests.sorted(by: { $0.key < $1.key }) {
            for (status, n) in byStatus.sorted(by: { $0.key < $1.key }) { lines.append("qlora_requests_total{route=\"\(route)\",status=\"\(status)\"} \(n)") }
        }
        lines += ["# HELP qlora_request_duration_seconds Time from request to response.", "# TYPE qlora_request_duration_seconds histogram"]
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) { lines += h.lines("qlora_request_duration_seconds", labels: "route=\"\(route)\"") }
        lines += ["# HELP qlora_batch_size Statements per detector batch.", "# TYPE qlora_batch_size histogram"]
        lines += batches.lines("qlora_batch_size", labels: "")
        lines += ["# HELP qlora_statements_total Statements the detector answered.", "# TYPE qlora_statements_total counter",
                  "qlora_statements_total \(statements)",
                  "# HELP qlora_queue_depth Statements waiting or running.", "# TYPE qlora_queue_depth gauge", "qlora_queue_depth \(queued)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Prometheus' number syntax: integers without a fraction, others as Swift prints them.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}
