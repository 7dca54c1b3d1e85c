import Foundation
import Llama

/// Where a scoring run stands, for a progress display.
public struct ScoreProgress {
    /// Sentences in the file, including those a previous run wrote.
    public var done: Int
    /// Sentences the run covers in all.
    public var total: Int
    /// Sentences this run scored so far.
    public var scoredThisRun: Int
    /// Seconds since this run started scoring.
    public var seconds: Double
}

/// Scores the compared sentences into a resumable `ScoreFile`, batch by batch.
public enum ScoreRun {
    /// The scores row of `sentence` with `perplexity`.
    public static func row(_ sentence: Sentence, perplexity: Double) -> Scores.Row {
        Scores.Row(text: sentence.text, descriptor: sentence.nounPhrase.descriptor, axis: sentence.nounPhrase.axis,
                   template: sentence.template.text, perplexity: perplexity)
    }

    /// Scores the sentences of `sentences` that `file` lacks, `batchSize` per forward pass,
    /// appending each batch durably and reporting progress after it. Returns how many it scored.
    @discardableResult
    public static func run(_ sentences: [Sentence], scorer: PerplexityScorer, tokenizer: Tokenizer, file: ScoreFile,
                           batchSize: Int, progress: (ScoreProgress) -> Void = { _ in }) throws -> Int {
        precondition(batchSize > 0, "ScoreRun.run: batch size must be positive, got \(batchSize)")
        let pending = file.remaining(sentences) { row($0, perplexity: 0) }
        let already = sentences.count - pending.count
        let start = Date()
        progress(ScoreProgress(done: already, total: sentences.count, scoredThisRun: 0, seconds: 0))
        var scored = 0
        for batchStart in stride(from: 0, to: pending.count, by: batchSize) {
            let batch = pending[batchStart..<min(batchStart + batchSize, pending.count)]
            let ppl = scorer.perplexities(texts: batch.map(\.text), tokenizer: tokenizer)
            try file.append(zip(batch, ppl).map { row($0, perplexity: $1) })
            scored += batch.count
            progress(ScoreProgress(done: already + scored, total: sentences.count, scoredThisRun: scored,
                                   seconds: Date().timeIntervalSince(start)))
        }
        return scored
    }
}
