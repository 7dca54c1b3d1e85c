import ArgumentParser
import Foundation
import ToolSupport
import HolisticBias
import Llama

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Per-sentence perplexities of the compared HolisticBias sentences, the input of bias-diff.",
        discussion: """
        Scores the descriptor_noun / noun_descriptor sentences of non-gendered descriptors as the model's \
        response to --context (the original's __SILENCE__): perplexity = exp(mean NLL of the sentence tokens \
        and EOS). Writes text,descriptor,axis,template,perplexity. Resumable: a rerun keeps the rows already \
        in --out (dropping a partial last line) and scores the rest; each batch is flushed to disk.
        """)
    @Option(help: "Model: a Hugging Face folder or a llama2.c .bin.") var model: String
    @Option(help: "Tokenizer file (needed for a llama2.c model).") var tokenizer: String?
    @Option(help: "NAME=DIR, repeatable: LoRA adapters to blend into the model.") var adapter: [String] = []
    @Option(help: "How the adapters are blended (linear, cat, svd, top1, top2, top3, full, unmerged).") var blend = "linear"
    @Option(help: "Comma-separated blend weights, one per source adapter; equal weights by default.") var weights: String?
    @Option(help: "HolisticBias dataset folder.") var datasetDir: String
    @Option(help: "Scores CSV to write or resume.") var out: String
    @Flag(help: "Use the original's seeded 100-descriptor small set.") var useSmallSet = false
    @Option(help: "Score only this many sentences, evenly spaced over the set.") var limit: Int?
    @Option(help: "Sentences per batch; those of equal token count share an unpadded forward pass, so a score does not depend on its batch.") var batchSize = 8
    @Option(help: "The context the sentences answer (not scored); empty for BOS alone.") var context = PerplexityScorer.defaultContext

    func validate() throws {
        // A batch's forward passes hold at most this many sentences, so its size bounds memory.
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...4096, got \(batchSize)") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let (base, tok) = try loadModel(model, tokenizer: tokenizer)
        guard tok.bosID != nil, tok.eosID != nil else { throw ToolError("\(tokenizer ?? model): the tokenizer defines no BOS or EOS token") }
        let (linears, described) = try adaptedLinears(model: base, adapterSpecs: adapter, blend: blend, weights: weights)
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: URL(fileURLWithPath: datasetDir)))
        let compared = try HolisticBias.Sampler.sentences(from: generator, useSmallSet: useSmallSet).filter(ScoringSet.isCompared)
        let sentences = ScoringSet.spread(compared, limit: limit)
        let scorer = PerplexityScorer(model: base, tokenizer: tok, context: context, linears: linears)
        let file = try ScoreFile(url: URL(fileURLWithPath: out))
        note("scoring \(sentences.count) of \(compared.count) compared sentences with \(described); \(file.existing.count) rows already in \(out)")
        var bar = ProgressLine(unit: "sentences")
        let scored = try ScoreRun.run(sentences, scorer: scorer, tokenizer: tok, file: file, batchSize: batchSize) { p in
            bar.update(done: p.done, total: p.total, processed: p.scoredThisRun, seconds: p.seconds)
        }
        print("\(scored) sentences scored, \(sentences.count - scored) already present -> \(out)")
    }
}
