import Tensor

/// A percentile-bootstrap confidence interval of macro-F1: macro-F1 on each resample (the
/// records drawn with replacement, as many as there are), and the interval between the
/// (1 - level) / 2 and (1 + level) / 2 percentiles of those values, interpolated linearly as
/// `numpy.percentile` does by default.
public struct BootstrapInterval: Equatable, Sendable, Codable {
    public var low: Double
    public var high: Double
    public var resamples: Int
    public var level: Double

    public static let defaultResamples = 1000
    public static let defaultSeed: UInt64 = 2021

    public init(low: Double, high: Double, resamples: Int, level: Double) {
        self.low = low
        self.high = high
        self.resamples = resamples
        self.level = level
    }

    /// The bootstrap could not be taken.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `resamples` lists of `count` indices in 0..<count, drawn one list after another as
    /// `next() % count` from `RandomGenerator(seed:)` (xoshiro256**), which
    /// Scripts/fixtures/baseline_tfidf.py reproduces so the scikit-learn baseline is resampled
    /// identically. The modulo bias is below count / 2^64.
    public static func resampleIndices(count: Int, resamples: Int = defaultResamples, seed: UInt64 = defaultSeed) -> [[Int]] {
        var generator = RandomGenerator(seed: seed)
        return (0..<resamples).map { _ in (0..<count).map { _ in Int(generator.next() % UInt64(count)) } }
    }

    /// The interval of macro-F1 over `resamples` (index lists into `truth` / `predicted`). Each
    /// resample is scored as the full sample is, averaging the classes present in it, so a small
    /// resample that happens to miss a class is not scored 0 on it.
    public static func macroF1(truth: [HateLabel], predicted: [HateLabel?], resamples: [[Int]], level: Double = 0.95) throws -> BootstrapInterval {
        guard truth.count == predicted.count, !truth.isEmpty else {
            throw Failure(description: "bootstrap: needs as many predictions as labels, at least one; got \(truth.count) labels and \(predicted.count) predictions")
        }
        guard !resamples.isEmpty else { throw Failure(description: "bootstrap: no resamples") }
        let rows = truth.map(ClassificationReport.index)
        let columns = predicted.map { $0.map(ClassificationReport.index) ?? ClassificationReport.labels.count }
        let width = ClassificationReport.labels.count + 1
        var values: [Double] = []
        for (r, indices) in resamples.enumerated() {
            var confusion = [[Int]](repeating: [Int](repeating: 0, count: width), count: width - 1)
            for i in indices {
                guard truth.indices.contains(i) else { throw Failure(description: "bootstrap: resample \(r) holds index \(i), outside 0..<\(truth.count)") }
                confusion[rows[i]][columns[i]] += 1
            }
            values.append(ClassificationReport(confusion: confusion).macroF1)
        }
        values.sort()
        return BootstrapInterval(low: percentile(values, 50 * (1 - level)), high: percentile(values, 50 * (1 + level)),
                                 resamples: resamples.count, level: level)
    }

    /// The q-th percentile (0...100) of ascending `sorted`, `numpy.percentile`'s "linear" method.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }
}
