import Foundation
import QLoRA

/// One statement a request asks the detector about.
public struct DetectionJob: Sendable, Equatable {
    public var statement: String
    public var mode: BlendMode
    /// Generate the explanation (groups, harmful words, reason), not only the label distribution.
    public var explain: Bool

    public init(statement: String, mode: BlendMode, explain: Bool) {
        self.statement = statement
        self.mode = mode
        self.explain = explain
    }
}

/// Why the queue did not answer a request.
public enum QueueError: Error, Equatable, CustomStringConvertible {
    /// Accepting the request would hold more statements than the queue's capacity (HTTP 429).
    case full(waiting: Int, asked: Int, capacity: Int)
    /// The statements waited past the request timeout before a batch took them (HTTP 503).
    case timedOut(seconds: Double)
    /// The server is shutting down (HTTP 503).
    case stopped

    public var description: String {
        switch self {
        case .full(let w, let a, let c):
            return "the detector is busy: \(w) statements are waiting and this request adds \(a), over the queue's capacity of \(c); retry later"
        case .timedOut(let s): return "the statements waited more than \(s) s for the detector; retry later or with fewer statements"
        case .stopped: return "the server is shutting down"
        }
    }
}

/// Queues the statements of concurrent requests and runs them on one worker thread in batches:
/// the worker takes up to `maxBatch` statements at a time, waiting at most `maxWait` after the
/// first for more to arrive, and while a batch runs the next requests gather behind it
/// (continuous batching). The detector is only ever touched by the worker thread, so it needs no
/// locking of its own. A request is admitted whole or refused (`QueueError.full`); statements that
/// waited past `timeout` are answered with `QueueError.timedOut` instead of run.
public final class DetectionQueue: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxBatch: Int
        public var maxWait: Double
        public var capacity: Int
        public var timeout: Double

        public init(maxBatch: Int = 16, maxWait: Double = 0.002, capacity: Int = 256, timeout: Double = 30) {
            self.maxBatch = maxBatch
            self.maxWait = maxWait
            self.capacity = capacity
            self.timeout = timeout
        }
    }

    /// Runs a batch: one result per job, in order.
    public typealias Runner = ([DetectionJob]) -> [Result<VerdictRecord, Error>]

    private struct Pending {
        let job: DetectionJob
        let enqueued: Date
        let done: (Result<VerdictRecord, Error>) -> Void
    }

    public let limits: Limits
    private let runner: Runner
    private let onBatch: (Int, Double) -> Void
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var running = 0
    private var stopped = false

    /// `onBatch` hears each batch's size and seconds (the server's metrics).
    public init(limits: Limits, onBatch: @escaping (Int, Double) -> Void = { _, _ in }, runner: @escaping Runner) {
        precondition(limits.maxBatch >= 1 && limits.capacity >= 1 && limits.maxWait >= 0 && limits.timeout > 0, "DetectionQueue: invalid limits \(limits)")
        self.limits = limits
        self.runner = runner
        self.onBatch = onBatch
        // The worker holds the queue until `stop()`.
        let worker = Thread { self.work() }
        worker.name = "qlora-detector"
        worker.start()
    }

    /// Statements waiting or running now.
    public var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count + running
    }

    /// Answers every job, in order, or throws the first job's error (or why it was refused).
    public func submit(_ jobs: [DetectionJob]) async throws -> [VerdictRecord] {
        guard !jobs.isEmpty else { return [] }
        let collected = Collector(count: jobs.count)
        return try await withCheckedThrowingContinuation { continuation in
            collected.continuation = continuation
            condition.lock()
            let waiting = pending.count + running
            guard !stopped else {
                condition.unlock()
                continuation.resume(throwing: QueueError.stopped)
                return
            }
            guard waiting + jobs.count <= limits.capacity else {
                condition.unlock()
                continuation.resume(throwing: QueueError.full(waiting: waiting, asked: jobs.count, capacity: limits.capacity))
                return
            }
            let now = Date()
            for (i, job) in jobs.enumerated() {
                pending.append(Pending(job: job, enqueued: now) { collected.set(i, $0) })
            }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the worker thread end once the statements already queued are answered; later
    /// submissions are refused.
    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopped { condition.wait() }
            if pending.isEmpty {
                condition.unlock()
                return
            }
            let until = pending[0].enqueued.addingTimeInterval(limits.maxWait)
            while pending.count < limits.maxBatch && Date() < until { _ = condition.wait(until: until) }
            let batch = Array(pending.prefix(limits.maxBatch))
            pending.removeFirst(batch.count)
            running = batch.count
            condition.unlock()

            let now = Date()
            let live = batch.filter { now.timeIntervalSince($0.enqueued) <= limits.timeout }
            let expired = batch.filter { now.timeIntervalSince($0.enqueued) > limits.timeout }
            var results: [Result<VerdictRecord, Error>] = []
            if !live.isEmpty {
                let start = Date()
                results = runner(live.map(\.job))
                onBatch(live.count, Date().timeIntervalSince(start))
            }
            // The depth drops before any request resumes, so a caller never sees its own finished batch.
            condition.lock()
            running = 0
            condition.unlock()
            for p in expired { p.done(.failure(QueueError.timedOut(seconds: limits.timeout))) }
            for (p, r) in zip(live, results) { p.done(r) }
        }
    }

    /// Gathers one request's results and resumes it once, when all are in or at the first error.
    private final class Collector: @unchecked Sendable {
        var continuation: CheckedContinuation<[VerdictRecord], Error>?
        private var results: [VerdictRecord?]
        private var remaining: Int
        private let lock = NSLock()

        init(count: Int) {
            results = Array(repeating: nil, count: count)
            remaining = count
        }

        func set(_ i: Int, _ result: Result<VerdictRecord, Error>) {
            lock.lock()
            defer { lock.unlock() }
            guard let c = continuation else { return }
            switch result {
            case .failure(let e):
                continuation = nil
                c.resume(throwing: e)
            case .success(let r):
                results[i] = r
                remaining -= 1
                if remaining == 0 {
                    continuation = nil
                    c.resume(returning: results.map { $0! })
                }
            }
        }
    }
}
