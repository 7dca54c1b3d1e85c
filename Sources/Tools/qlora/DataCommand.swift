import ArgumentParser
import Foundation
import Llama
import QLoRA

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Export a dataset split as JSONL training records (statement, label, explanation, groups, harmful_words, reason, source).",
        discussion: "Datasets: davidson (microblogs), stormfront (forums), hatexplain, synthetic (this project's own corpus, three sources).")

    @Option(name: both("dataset")) var dataset: String
    @Option(name: both("split"), help: "train, validation or test.") var split = "train"
    @Option(name: both("shared"), help: "The folder holding datasets/ (the project's ../shared).") var shared = "../shared"
    @Option(name: both("limit"), help: "Keep at most this many records (first by id hash).") var limit: Int?
    @Option(name: both("seed"), help: "Seed of the synthetic corpus.") var seed: UInt64 = 7
    @Option(name: both("out")) var out: String

    func run() throws {
        try userFacing {
            guard let wanted = DataSplit(rawValue: split) else { throw ToolError("--split must be train, validation or test") }
            var records = try DatasetCatalog.records(dataset, split: wanted, shared: URL(fileURLWithPath: shared), seed: seed)
            if let limit { records = Array(records.prefix(limit)) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var data = Data()
            for r in records {
                data.append(try encoder.encode(r))
                data.append(UInt8(ascii: "\n"))
            }
            try writeAtomically(data, to: URL(fileURLWithPath: out))
            let counts = Dictionary(grouping: records, by: \.label).mapValues(\.count)
            note("wrote \(records.count) records to \(out) (" + HateLabel.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ") + ")")
        }
    }
}

/// The datasets the tools know by name, with their fixed splits.
enum DatasetCatalog {
    static let names = ["davidson", "stormfront", "hatexplain", "synthetic"]

    static func records(_ name: String, split: DataSplit, shared: URL, seed: UInt64) throws -> [ExplanationRecord] {
        let datasets = shared.appendingPathComponent("datasets")
        switch name {
        case "davidson":
            return try DavidsonImporter.load(datasets.appendingPathComponent("davidson2017/labeled_data.csv")).filter { DataSplit.of(id: $0.id) == split }
        case "stormfront":
            return try StormfrontImporter.load(datasets.appendingPathComponent("stormfront-degibert2018/stormfront_sentences.csv")).filter { DataSplit.of(id: $0.id) == split }
        case "hatexplain":
            let s = try HateXplainImporter.load(dataset: datasets.appendingPathComponent("hatexplain/dataset_val_test.json"),
                                                divisions: datasets.appendingPathComponent("hatexplain/post_id_divisions.json"))
            return s.records.filter { r in
                split == .test ? s.testIDs.contains(r.id) : !s.testIDs.contains(r.id) && (DataSplit.of(id: r.id) == .validation) == (split == .validation)
            }
        case "synthetic":
            return SyntheticCorpus.generate(perSource: 400, seed: seed).filter { DataSplit.of(id: $0.id) == split }
        default:
            throw ToolError("--dataset \(name): unknown; choose one of \(names.joined(separator: ", "))")
        }
    }
}
