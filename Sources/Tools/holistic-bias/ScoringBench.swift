import Foundation
import ToolSupport
import HolisticBias
import Llama

/// Scoring throughput for `bench`: perplexities of evenly spaced compared sentences, no file output.
enum ScoringBench {
    /// stories260K and its tokenizer from the project's shared assets, looked up from the
    /// current folder and its parent (a worktree reaches them through `../shared`).
    static func sharedStories260K() -> (model: String, tokenizer: String)? {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for root in [cwd, cwd.deletingLastPathComponent()] {
            let folder = root.appendingPathComponent("shared/models/stories260K")
            let model = folder.appendingPathComponent("stories260K.bin").path, tokenizer = folder.appendingPathComponent("tok512.bin").path
            if FileManager.default.fileExists(atPath: model) && FileManager.default.fileExists(atPath: tokenizer) { return (model, tokenizer) }
        }
        return nil
    }

    /// Sentences per second at each batch size, scoring `count` sentences of `datasetDir`.
    static func run(model path: String, tokenizer: String?, datasetDir: URL, count: Int, batchSizes: [Int]) throws -> [(batch: Int, rate: Double, seconds: Double)] {
        let (model, tok) = try loadModel(path, tokenizer: tokenizer)
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: datasetDir))
        let texts = ScoringSet.spread(try HolisticBias.Sampler.sentences(from: generator, useSmallSet: false).filter(ScoringSet.isCompared), limit: count).map(\.text)
        let scorer = PerplexityScorer(model: model, tokenizer: tok)
        return batchSizes.map { batch in
            let start = Date()
            for s in stride(from: 0, to: texts.count, by: batch) {
                _ = scorer.perplexities(texts: Array(texts[s..<min(s + batch, texts.count)]), tokenizer: tok)
            }
            let seconds = Date().timeIntervalSince(start)
            return (batch, Double(texts.count) / seconds, seconds)
        }
    }
}
