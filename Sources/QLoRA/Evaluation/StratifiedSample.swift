/// A deterministic, class-stratified sample of a split for quick evaluations (`--limit`).
///
/// Each class gets its proportional share of `limit` rounded down or up, so every share is within
/// 1 of proportional, and at least one record when the class is present. The shares round up
/// first for classes that would otherwise get none, then by the largest remainder, so they sum
/// to `limit` unless it is too small to hold one of every class, when the sample is that much
/// larger. Within a class the records with the smallest `DataSplit.hash(id, seed:)` are taken;
/// the sample is returned in that hash order, which mixes the classes.
public enum StratifiedSample {
    /// Differs from the split's seed (0) so the sample is not the test records with the smallest split hash.
    public static let defaultSeed: UInt64 = 1

    /// Records per class for a sample of `limit` from a split with `counts` per class.
    public static func allocation(counts: [HateLabel: Int], limit: Int) -> [HateLabel: Int] {
        let total = counts.values.reduce(0, +)
        guard limit < total else { return counts }
        let labels = HateLabel.allCases.filter { (counts[$0] ?? 0) > 0 }
        let quotas = labels.map { Double(limit) * Double(counts[$0]!) / Double(total) }
        var shares = quotas.map { Int($0.rounded(.down)) }
        let roundUpFirst = labels.indices.sorted {
            (shares[$0] == 0 ? 1 : 0, quotas[$0] - Double(shares[$0]), $1) > (shares[$1] == 0 ? 1 : 0, quotas[$1] - Double(shares[$1]), $0)
        }
        for k in roundUpFirst.prefix(limit - shares.reduce(0, +)) { shares[k] += 1 }
        var result: [HateLabel: Int] = [:]
        for (k, label) in labels.enumerated() { result[label] = min(max(shares[k], 1), counts[label]!) }
        return result
    }

    /// At most `perClass` records of each label, the first by id hash: the class-balanced
    /// training sample (classes smaller than the cap are kept whole).
    public static func capped(_ records: [ExplanationRecord], perClass: Int, seed: UInt64 = defaultSeed) -> [ExplanationRecord] {
        var taken: [HateLabel: Int] = [:]
        return records.map { (DataSplit.hash($0.id, seed: seed), $0) }.sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.compactMap { _, r in
            guard taken[r.label, default: 0] < perClass else { return nil }
            taken[r.label, default: 0] += 1
            return r
        }
    }

    /// The sample of at most `limit` records (plus the one-per-class minimum) from `records`.
    public static func draw(_ records: [ExplanationRecord], limit: Int, seed: UInt64 = defaultSeed) -> [ExplanationRecord] {
        let ordered = records.map { (DataSplit.hash($0.id, seed: seed), $0) }.sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }
        var remaining = allocation(counts: Dictionary(grouping: records, by: \.label).mapValues(\.count), limit: limit)
        return ordered.compactMap { _, r in
            guard let left = remaining[r.label], left > 0 else { return nil }
            remaining[r.label] = left - 1
            return r
        }
    }
}
