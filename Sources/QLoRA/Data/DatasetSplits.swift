import Foundation

/// The train, validation and test records of one dataset, with exact duplicates removed across
/// splits so no score counts a statement the model was trained on.
///
/// A statement (trimmed, lower-cased) that is in train is dropped from validation and test, and one
/// in validation is dropped from test. On the shared data this drops, from validation / test:
/// Davidson 3 / 2, Stormfront 18 / 30 (short sentences recur across posts), HateXplain 0 / 1, and
/// the synthetic corpus (seed 7), whose templates repeat, 23 / 30.
public struct DatasetSplits: Sendable {
    public var train: [ExplanationRecord]
    public var validation: [ExplanationRecord]
    public var test: [ExplanationRecord]
    /// How many records each split lost to duplicates of an earlier split (train loses none).
    public var droppedDuplicates: [DataSplit: Int]

    /// Splits `records` by `assign`, keeping their order within each split, then drops duplicates.
    public init(records: [ExplanationRecord], assign: (ExplanationRecord) throws -> DataSplit) rethrows {
        var parts: [DataSplit: [ExplanationRecord]] = [:]
        for r in records { parts[try assign(r), default: []].append(r) }
        var seen = Set((parts[.train] ?? []).map { Self.normalised($0.statement) })
        train = parts[.train] ?? []
        validation = (parts[.validation] ?? []).filter { !seen.contains(Self.normalised($0.statement)) }
        seen.formUnion(validation.map { Self.normalised($0.statement) })
        test = (parts[.test] ?? []).filter { !seen.contains(Self.normalised($0.statement)) }
        droppedDuplicates = [.train: 0, .validation: (parts[.validation]?.count ?? 0) - validation.count,
                             .test: (parts[.test]?.count ?? 0) - test.count]
    }

    public subscript(split: DataSplit) -> [ExplanationRecord] {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// The form two statements are compared in: surrounding white space trimmed, lower-cased.
    public static func normalised(_ statement: String) -> String {
        statement.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
