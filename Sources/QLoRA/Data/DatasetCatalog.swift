import Foundation

/// The datasets the tools know by name, each with its fixed, deterministic split.
///
/// - davidson: by a hash of the tweet id, 80 / 10 / 10.
/// - stormfront: by a hash of the post (`comment_id`, the part of `file_id` before the last "_"),
///   80 / 10 / 10, so no post has sentences on both sides of a split.
/// - hatexplain: the published validation posts are our training posts (the published train
///   split is not in the shared data); validation is 10% of them by id hash, test is the
///   published test split.
/// - hatecheck: test only (a functional test suite has no training data).
/// - synthetic: this project's corpus, by id hash.
///
/// Every dataset then drops exact duplicate statements across splits (`DatasetSplits`).
public enum DatasetCatalog {
    public static let names = ["davidson", "stormfront", "hatexplain", "hatecheck", "synthetic"]

    /// A name that is not in `names`.
    public struct UnknownDataset: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "unknown dataset \(name); choose one of \(DatasetCatalog.names.joined(separator: ", "))" }
    }

    /// All three splits of `name`, read from `shared`/datasets; `corpusSeed` seeds the synthetic corpus.
    public static func splits(_ name: String, shared: URL, corpusSeed: UInt64 = 7) throws -> DatasetSplits {
        let datasets = shared.appendingPathComponent("datasets")
        switch name {
        case "davidson":
            let records = try DavidsonImporter.load(datasets.appendingPathComponent("davidson2017/labeled_data.csv"))
            return DatasetSplits(records: records) { DataSplit.of(id: $0.id) }
        case "stormfront":
            let records = try StormfrontImporter.load(datasets.appendingPathComponent("stormfront-degibert2018/stormfront_sentences.csv"))
            return DatasetSplits(records: records) { DataSplit.of(id: stormfrontPost($0.id)) }
        case "hatexplain":
            let file = datasets.appendingPathComponent("hatexplain/dataset_val_test.json")
            let s = try HateXplainImporter.load(dataset: file, divisions: datasets.appendingPathComponent("hatexplain/post_id_divisions.json"))
            return try DatasetSplits(records: s.records) { r in
                if s.testIDs.contains(r.id) { return .test }
                guard s.validationIDs.contains(r.id) else {
                    throw DatasetError(file: file.path, location: "post \(r.id)", message: "in neither the published validation nor the test division")
                }
                return DataSplit.of(id: r.id) == .validation ? .validation : .train
            }
        case "hatecheck":
            let cases = try HateCheckImporter.load(datasets.appendingPathComponent("hatecheck/test_suite_cases.csv"))
            return DatasetSplits(records: cases.map(\.record)) { _ in .test }
        case "synthetic":
            return DatasetSplits(records: SyntheticCorpus.generate(perSource: 400, seed: corpusSeed)) { DataSplit.of(id: $0.id) }
        default:
            throw UnknownDataset(name: name)
        }
    }

    /// One split of `name`.
    public static func records(_ name: String, split: DataSplit, shared: URL, corpusSeed: UInt64 = 7) throws -> [ExplanationRecord] {
        try splits(name, shared: shared, corpusSeed: corpusSeed)[split]
    }

    /// The post of a Stormfront record id "stormfront-<post>_<sentence>".
    public static func stormfrontPost(_ id: String) -> String {
        guard let underscore = id.lastIndex(of: "_") else { return id }
        return String(id[..<underscore])
    }
}
