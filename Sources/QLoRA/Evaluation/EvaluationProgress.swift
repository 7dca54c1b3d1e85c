import Foundation

/// The progress line of an evaluation run, for standard error: statements done, seconds per
/// statement and the time left, in the trainer's clock format.
public struct EvaluationProgress: Sendable {
    public let label: String
    public let started: Date

    public init(label: String, started: Date = Date()) {
        self.label = label
        self.started = started
    }

    public func line(done: Int, total: Int, now: Date = Date()) -> String {
        let perStatement = done > 0 ? now.timeIntervalSince(started) / Double(done) : .nan
        return String(format: "%@: %d/%d | %.2f s/statement | ETA %@", label, done, total, perStatement,
                      Trainer.clock(perStatement * Double(total - done)))
    }
}
