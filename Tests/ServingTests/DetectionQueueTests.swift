import Foundation
@testable import QLoRA
import XCTest
@testable import Serving

/// The queue's own rules, on a runner that records what it is given (no model): how statements
/// of concurrent requests are batched, refused when over capacity, and timed out.
final class DetectionQueueTests: XCTestCase {
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var sizes: [Int] = []
        let delay: Double

        init(delay: Double) { self.delay = delay }

        var batches: [Int] {
            lock.lock()
            defer { lock.unlock() }
            return sizes
        }

        func run(_ jobs: [DetectionJob]) -> [Result<VerdictRecord, Error>] {
            lock.lock()
            sizes.append(jobs.count)
            lock.unlock()
            Thread.sleep(forTimeInterval: delay)
            return jobs.map { job in
                if job.statement == "fail" { return .failure(InferenceError(message: "refused \(job.statement)")) }
                let v = Verdict(statement: job.statement, gates: [("a", 1)], adaptersUsed: [("a", 1)], answers: [], seconds: 0,
                                labelProbabilities: [.neutral: 1, .offensive: 0, .hate: 0])
                var r = VerdictRecord(v)
                r.warnings = [job.statement]
                return .success(r)
            }
        }
    }

    func jobs(_ statements: [String]) -> [DetectionJob] { statements.map { DetectionJob(statement: $0, mode: .top1, explain: false) } }

    func testConcurrentRequestsShareBatchesAndKeepTheirOrder() async throws {
        let recorder = Recorder(delay: 0.05)
        let queue = DetectionQueue(limits: .init(maxBatch: 8, maxWait: 0.02, capacity: 64, timeout: 30), runner: recorder.run)
        defer { queue.stop() }
        let answers = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for r in 0..<10 {
                group.addTask { (r, try await queue.submit(self.jobs(["r\(r)-0", "r\(r)-1"])).map { $0.warnings[0] }) }
            }
            var out: [Int: [String]] = [:]
            for try await (r, got) in group { out[r] = got }
            return out
        }
        for r in 0..<10 { XCTAssertEqual(answers[r], ["r\(r)-0", "r\(r)-1"], "each request gets its own answers, in order") }
        let batches = recorder.batches
        XCTAssertEqual(batches.reduce(0, +), 20)
        XCTAssertTrue(batches.allSatisfy { $0 <= 8 }, "\(batches)")
        XCTAssertGreaterThan(batches.max()!, 2, "statements of different requests share a batch: \(batches)")
        XCTAssertEqual(queue.depth, 0)
    }

    func testRequestOverCapacityIsRefusedWhole() async throws {
        let recorder = Recorder(delay: 0.3)
        let queue = DetectionQueue(limits: .init(maxBatch: 2, maxWait: 0, capacity: 3, timeout: 30), runner: recorder.run)
        defer { queue.stop() }
        async let first = queue.submit(jobs(["a", "b"]))
        try await Task.sleep(nanoseconds: 50_000_000)
        do {
            _ = try await queue.submit(jobs(["c", "d"]))
            XCTFail("4 statements in a queue of 3")
        } catch let e as QueueError {
            XCTAssertEqual(e, .full(waiting: 2, asked: 2, capacity: 3))
        }
        let firstCount = try await first.count
        XCTAssertEqual(firstCount, 2)
        XCTAssertEqual(recorder.batches, [2], "the refused request ran nothing")
    }

    func testStatementsThatWaitedPastTheTimeoutAreNotRun() async throws {
        let recorder = Recorder(delay: 0.4)
        let queue = DetectionQueue(limits: .init(maxBatch: 1, maxWait: 0, capacity: 8, timeout: 0.1), runner: recorder.run)
        defer { queue.stop() }
        async let first = queue.submit(jobs(["a"]))
        try await Task.sleep(nanoseconds: 50_000_000)
        do {
            _ = try await queue.submit(jobs(["b"]))
            XCTFail("b waited 0.35 s behind a, past the 0.1 s timeout")
        } catch let e as QueueError {
            XCTAssertEqual(e, .timedOut(seconds: 0.1))
        }
        let firstCount = try await first.count
        XCTAssertEqual(firstCount, 1)
        XCTAssertEqual(recorder.batches, [1])
    }

    func testOneFailingStatementFailsItsRequestOnly() async throws {
        let queue = DetectionQueue(limits: .init(maxBatch: 8, maxWait: 0.05, capacity: 16, timeout: 30), runner: Recorder(delay: 0).run)
        defer { queue.stop() }
        async let good = queue.submit(jobs(["x"]))
        async let bad = queue.submit(jobs(["y", "fail"]))
        let goodAnswers = try await good.map { $0.warnings[0] }
        XCTAssertEqual(goodAnswers, ["x"])
        do {
            _ = try await bad
            XCTFail("a request holding a failing statement fails")
        } catch let e as InferenceError {
            XCTAssertEqual(e.message, "refused fail")
        }
    }

    func testStoppedQueueRefusesNewRequests() async throws {
        let queue = DetectionQueue(limits: .init(), runner: Recorder(delay: 0).run)
        queue.stop()
        do {
            _ = try await queue.submit(jobs(["a"]))
            XCTFail("stopped")
        } catch let e as QueueError {
            XCTAssertEqual(e, .stopped)
        }
    }
}
