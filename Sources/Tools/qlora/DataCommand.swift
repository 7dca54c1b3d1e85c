import ArgumentParser
import Foundation
import ToolSupport
import Llama
import QLoRA

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Export a dataset split as JSONL training records (statement, label, explanation, groups, harmful_words, reason, source, id).",
        discussion: """
        Datasets: davidson (microblogs), stormfront (forums, split by post), hatexplain (train and validation from the published \
        validation posts, test the published test posts), hatecheck (test only), synthetic (this project's own corpus, three \
        sources). Splits are fixed by a hash of the id (Stormfront: of the post); a statement already in train is dropped from \
        validation and test.
        """)

    @Option(name: both("dataset")) var dataset: String
    @Option(name: both("split"), help: "train, validation or test.") var split = "train"
    @Option(name: both("shared"), help: "The folder holding datasets/ (the project's ../shared).") var shared = "../shared"
    @Option(name: both("limit"), help: "Keep a class-stratified sample of about this many records, picked by id hash.") var limit: Int?
    @Option(name: both("max_per_class"), help: "Keep at most this many records of each label, picked by id hash (class balance for training).") var maxPerClass: Int?
    @Option(name: both("seed"), help: "Seed of the synthetic corpus.") var seed: UInt64 = 7
    @Option(name: both("out")) var out: String

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let maxPerClass, maxPerClass < 1 { throw ValidationError("--max_per_class must be at least 1") }
    }

    func run() throws {
        try userFacing {
            guard let wanted = DataSplit(rawValue: split) else { throw ToolError("--split must be train, validation or test") }
            let splits = try DatasetCatalog.splits(dataset, shared: URL(fileURLWithPath: shared), corpusSeed: seed)
            var records = splits[wanted]
            if let limit { records = StratifiedSample.draw(records, limit: limit) }
            if let maxPerClass { records = StratifiedSample.capped(records, perClass: maxPerClass) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var data = Data()
            for r in records {
                data.append(try encoder.encode(r))
                data.append(UInt8(ascii: "\n"))
            }
            try writeAtomically(data, to: URL(fileURLWithPath: out))
            let counts = Dictionary(grouping: records, by: \.label).mapValues(\.count)
            note("wrote \(records.count) records to \(out) (" + HateLabel.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")
                 + "; \(splits.droppedDuplicates[wanted] ?? 0) duplicates of earlier splits dropped)")
        }
    }
}
