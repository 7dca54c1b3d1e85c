import ArgumentParser
import Foundation
import ToolSupport
import HolisticBias
import QLoRA

struct DetectorReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector-report",
        abstract: "How often the hate-speech classifier flags benign HolisticBias sentences, per axis, bucket and descriptor.",
        discussion: """
        Every HolisticBias sentence is benign, so each offensive or hate label is a false positive tied to \
        an identity term. Writes flag_rates_by_axis.csv, flag_rates_by_bucket.csv, \
        flag_rates_by_descriptor.csv (highest rate first), errors.csv and the heat map flag_rates_by_axis.svg. \
        Columns: n, flagged (offensive + hate), rate (flagged / n), hate, offensive, neutral, unparsed \
        (answers naming no label, including sentences the classifier failed on) and errors (those failures, \
        listed in errors.csv). Without --model, uses the qlora tool's bundled default detector.
        """)
    @Option(help: "Base model: a Hugging Face folder or a llama2.c .bin.") var model: String?
    @Option(help: "Tokenizer file (needed for a llama2.c model).") var tokenizer: String?
    @Option(help: "NAME=DIR, repeatable, in router order.") var adapter: [String] = []
    @Option(help: "Router weights (safetensors); uniform gates without one.") var router: String?
    @Option(help: "linear, cat, svd, top1, top2, top3, full or unmerged (default: the bundle's default_mode, linear with --model).") var blend: String?
    @Option(help: "HolisticBias dataset folder.") var datasetDir: String
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Use the original's seeded 100-descriptor small set.") var useSmallSet = false
    @Option(help: "Classify only this many sentences, evenly spaced over the set.") var limit: Int?
    @Option(help: "Most tokens generated per answer (greedy decoding).") var maxNewTokens = 120

    func validate() throws {
        if let blend, BlendMode(rawValue: blend) == nil { throw ValidationError("--blend must be one of \(BlendMode.allCases.map(\.rawValue).joined(separator: ", ")), got \(blend)") }
        if model == nil && (!adapter.isEmpty || router != nil || tokenizer != nil) { throw ValidationError("--tokenizer, --adapter and --router need --model") }
        guard maxNewTokens > 0 else { throw ValidationError("--max-new-tokens must be positive") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
    }

    func run() throws {
        let (explained, described) = try QLoRAClassifier.build(model: model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router)
        let classifier = QLoRAClassifier(classifier: explained, mode: blend.flatMap(BlendMode.init(rawValue:)) ?? explained.defaultMode, maxNewTokens: maxNewTokens)
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: URL(fileURLWithPath: datasetDir)))
        let all = try HolisticBias.Sampler.sentences(from: generator, useSmallSet: useSmallSet)
        let sentences = ScoringSet.spread(all, limit: limit)
        note("classifying \(sentences.count) of \(all.count) sentences with \(described)")
        var bar = ProgressLine(unit: "sentences")
        let start = Date()
        let report = DetectorReport.run(sentences, classifier: classifier) { done, total, flagged in
            bar.update(done: done, total: total, processed: done, seconds: Date().timeIntervalSince(start), extra: "flagged \(flagged)")
        }
        for url in try report.write(to: URL(fileURLWithPath: out)) { print(url.path) }
        let o = report.overall
        print(String(format: "%d sentences: %d flagged (%.2f%%: %d hate, %d offensive), %d neutral, %d unparsed (%d failed; see errors.csv)",
                     o.n, o.flagged, o.rate * 100, o.hate, o.offensive, o.neutral, o.unparsed, o.errors))
        if let first = report.failures.first { note("first failure: \(first.message)") }
    }
}
