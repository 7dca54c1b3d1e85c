import ArgumentParser
import Foundation
import HolisticBias

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write noun_phrases.csv and sentences.csv as the original generate_sentences.py does.")
    @Option(help: "HolisticBias dataset folder (descriptors.json, nouns.json, ...).") var datasetDir: String
    @Option(help: "Output folder.") var out: String
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

@main
struct HolisticBiasTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holistic-bias",
        abstract: "HolisticBias: generate the dataset, sample sentences, and measure likelihood bias.",
        subcommands: [Generate.self])
}
