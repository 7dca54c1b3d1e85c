import Foundation
import Llama
import QLoRA

/// Runs a queue's batch on an `ExplainedClassifier`, the statements of each blend mode together:
/// label-only ones through `labelVerdicts`, explained ones through `classify(batch:)` with greedy
/// decoding, so an answer does not depend on the batch it lands in (up to float rounding).
public final class BatchedDetector {
    public let classifier: ExplainedClassifier
    /// Token limit of an explained answer.
    public let maxNewTokens: Int
    /// Rows of one batched forward.
    public let maxRows: Int

    /// Throws unless the classifier reads a label distribution (the chat prompt style), which
    /// every endpoint's scores come from.
    public init(classifier: ExplainedClassifier, maxNewTokens: Int = 200, maxRows: Int = 16) throws {
        guard classifier.promptStyle == .chat else {
            throw InferenceError(message: "serving needs a detector in the chat prompt style (its label probabilities are the scores); this one uses \(classifier.promptStyle.rawValue)")
        }
        self.classifier = classifier
        self.maxNewTokens = maxNewTokens
        self.maxRows = maxRows
    }

    public func run(_ jobs: [DetectionJob]) -> [Result<VerdictRecord, Error>] {
        var results = [Result<VerdictRecord, Error>?](repeating: nil, count: jobs.count)
        var groups: [String: (mode: BlendMode, explain: Bool, members: [Int])] = [:]
        for (i, job) in jobs.enumerated() { groups["\(job.mode.rawValue)/\(job.explain)", default: (job.mode, job.explain, [])].members.append(i) }
        let options = GenerationOptions(maxNewTokens: maxNewTokens, sampler: .greedyDecoding)
        func verdicts(_ statements: [String], _ mode: BlendMode, _ explain: Bool) throws -> [Verdict] {
            explain ? try classifier.classify(batch: statements, mode: mode, options: options, maxBatch: maxRows)
                : try classifier.labelVerdicts(statements, mode: mode, maxBatch: maxRows)
        }
        for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
            do {
                let answers = try verdicts(group.members.map { jobs[$0].statement }, group.mode, group.explain)
                for (i, v) in zip(group.members, answers) { results[i] = .success(VerdictRecord(v)) }
            } catch {
                // One statement's failure must not fail the others: each runs alone to find it.
                for i in group.members { results[i] = Result { VerdictRecord(try verdicts([jobs[i].statement], group.mode, group.explain)[0]) } }
            }
        }
        return results.map { $0! }
    }
}
