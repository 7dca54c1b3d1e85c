import ArgumentParser
import Foundation
import HolisticBias

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write noun_phrases.csv and sentences.csv exactly as the original generate_sentences.py does.",
        discussion: "With --use-small-set the files are named noun_phrases__small_set.csv and sentences__small_set.csv, as in the original.")
    @Option(help: "HolisticBias dataset folder (descriptors.json, nouns.json, sentence_templates.json, standalone_noun_phrases.json).")
    var datasetDir: String
    @Option(help: "Output folder (created if needed).") var out: String
    @Flag(help: "Keep only the original's seeded sample of 100 descriptors.") var useSmallSet = false

    func run() throws {
        let start = Date()
        let dataset = try HolisticBiasDataset(folder: URL(fileURLWithPath: datasetDir))
        let r = try SentenceGenerator(dataset: dataset).write(to: URL(fileURLWithPath: out), useSmallSet: useSmallSet)
        print("\(r.nounPhraseCount) noun phrases -> \(r.nounPhrases.path)")
        print("\(r.sentenceCount) sentences -> \(r.sentences.path)")
        print(String(format: "%.3f s", Date().timeIntervalSince(start)))
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw sentences with the original get_sentence() stylistic variants.",
        discussion: "Draws match Python's random.seed(SEED) followed by get_sentence() calls in the original.")
    @Option(help: "HolisticBias dataset folder.") var datasetDir: String
    @Option(help: "How many sentences.") var count = 5
    @Option(help: "Seed, as Python's random.seed.") var seed: UInt64 = 0
    @Flag(help: "Sample from the 100-descriptor small set.") var useSmallSet = false
    @Flag(help: "Print one JSON object per line with all metadata.") var json = false

    func run() throws {
        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: URL(fileURLWithPath: datasetDir)))
        var sampler = Sampler(sentences: try Sampler.sentences(from: generator, useSmallSet: useSmallSet), seed: seed)
        for _ in 0..<count {
            let s = try sampler.next()
            guard json else { print(s.sentence.text); continue }
            var parts = s.sentence.fields.map { key, value in
                "\(quote(key)):\(value == "True" || value == "False" ? value.lowercased() : quote(value))"
            }
            parts += [
                "\"remove_im_contraction\":\(s.removeImContraction)", "\"remove_descriptor_hyphens\":\(s.removeDescriptorHyphens)",
                "\"lowercase_descriptor\":\(s.lowercaseDescriptor)", "\"remove_final_period\":\(s.removeFinalPeriod)",
                "\"variant_noun_phrase\":\(quote(s.variantNounPhrase))",
            ]
            print("{" + parts.joined(separator: ",") + "}")
        }
    }

    func quote(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }
}

struct BiasDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bias-diff",
        abstract: "Likelihood bias: Mann-Whitney U between every descriptor pair per axis and template.",
        discussion: """
        Input: a CSV with columns text,descriptor,axis,template,perplexity (only the rows to compare: \
        descriptor_noun / noun_descriptor sentences of non-gendered descriptors). Output, with the original's \
        names: median_perplexities.csv, significances__all.csv, significances__by_{axis,axis_and_template,\
        axis_and_descriptor_pair,template}.csv, and median_perplexities_per_template.csv plus \
        frac_samples_below_median_ppl.csv when the four sentiment templates are present.
        """)
    @Option(help: "Per-sentence perplexities CSV.") var scores: String
    @Option(help: "Output folder.") var out: String

    func run() throws {
        let start = Date()
        let diff = BiasDiff(scores: try Scores(url: URL(fileURLWithPath: scores)))
        for url in try diff.write(to: URL(fileURLWithPath: out)) { print(url.path) }
        let significant = diff.significantCount
        print("\(diff.pairCount) descriptor pairs, \(significant) significant at p < \(BiasDiff.threshold)")
        print(String(format: "%.3f s", Date().timeIntervalSince(start)))
    }
}

/// Process CPU seconds (all threads), to read timings on a machine shared with other work.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time v1.0 generation and BiasDiff against the recorded Python anchors (25.7 s and 19 s).",
        discussion: "Reports the best wall-clock time of --repeats runs and the process CPU time of that run (all threads).")
    @Option(help: "The v1.0 dataset folder.") var datasetDir: String
    @Option(help: "Repetitions; the best time counts.") var repeats = 3

    func run() throws {
        let folder = URL(fileURLWithPath: datasetDir)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("holistic-bias-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var best = (wall: Double.infinity, cpu: 0.0)
        var sentenceCount = 0
        for _ in 0..<repeats {
            let start = Date(), cpu = cpuSeconds()
            let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: folder))
            sentenceCount = try generator.write(to: out, useSmallSet: false).sentenceCount
            let wall = Date().timeIntervalSince(start)
            if wall < best.wall { best = (wall, cpuSeconds() - cpu) }
        }
        print(String(format: "generate: %d sentences in %.3f s wall (%.3f s CPU); Python %.1f s; %.1fx faster (%.1fx by CPU)",
                     sentenceCount, best.wall, best.cpu, Benchmark.pythonGenerationSeconds,
                     Benchmark.pythonGenerationSeconds / best.wall, Benchmark.pythonGenerationSeconds / best.cpu))

        let generator = SentenceGenerator(dataset: try HolisticBiasDataset(folder: folder))
        let scores = Benchmark.syntheticScores(try Sampler.sentences(from: generator, useSmallSet: false))
        best = (.infinity, 0)
        var pairs = 0
        var split = (compute: 0.0, write: 0.0)
        for _ in 0..<repeats {
            let start = Date(), cpu = cpuSeconds()
            let diff = BiasDiff(scores: scores)
            let computed = Date()
            try diff.write(to: out)
            pairs = diff.pairCount
            let wall = Date().timeIntervalSince(start)
            if wall < best.wall {
                best = (wall, cpuSeconds() - cpu)
                split = (computed.timeIntervalSince(start), wall - computed.timeIntervalSince(start))
            }
        }
        print(String(format: "bias-diff: %d rows, %d pairs in %.3f s wall (statistics %.3f s, CSV output %.3f s; %.3f s CPU); Python %.1f s; %.1fx faster (%.1fx by CPU)",
                     scores.rows.count, pairs, best.wall, split.compute, split.write, best.cpu,
                     Benchmark.pythonBiasDiffSeconds, Benchmark.pythonBiasDiffSeconds / best.wall, Benchmark.pythonBiasDiffSeconds / best.cpu))
    }
}

@main
struct HolisticBiasTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holistic-bias",
        abstract: "HolisticBias: generate the dataset, sample sentences, and measure likelihood bias.",
        discussion: "`score` and `detector-report` need the Llama model and the classifier and are not part of this tool yet.",
        subcommands: [Generate.self, Sample.self, BiasDiffCommand.self, Bench.self])
}
