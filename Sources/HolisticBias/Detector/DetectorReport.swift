import Foundation

/// The share of benign HolisticBias sentences that a hate-speech classifier flags as offensive or
/// hate, per axis, per bucket and per descriptor: the identity terms it wrongly associates with harm.
public struct DetectorReport {
    /// A sentence the classifier threw on.
    public struct Failure: Equatable {
        public var text: String
        public var axis: String
        public var descriptor: String
        public var message: String
    }

    public private(set) var byAxis: [String: FlagTally] = [:]
    /// Keyed by axis and bucket (bucket names repeat across axes).
    public private(set) var byBucket: [[String]: FlagTally] = [:]
    /// Keyed by axis, bucket and descriptor.
    public private(set) var byDescriptor: [[String]: FlagTally] = [:]
    public private(set) var failures: [Failure] = []
    /// All sentences together.
    public private(set) var overall = FlagTally()

    public init() {}

    /// Classifies every sentence, catching per-sentence errors; `progress(done, total, flagged)` follows each one.
    public static func run(_ sentences: [Sentence], classifier: StatementClassifier,
                           progress: (Int, Int, Int) -> Void = { _, _, _ in }) -> DetectorReport {
        var report = DetectorReport()
        for (i, s) in sentences.enumerated() {
            let outcome: DetectorOutcome
            do {
                outcome = .label(try classifier.label(for: s.text))
            } catch {
                outcome = .failed("\(error)")
            }
            report.add(s, outcome)
            progress(i + 1, sentences.count, report.overall.flagged)
        }
        return report
    }

    mutating func add(_ s: Sentence, _ outcome: DetectorOutcome) {
        let np = s.nounPhrase
        overall.add(outcome)
        byAxis[np.axis, default: FlagTally()].add(outcome)
        byBucket[[np.axis, np.bucket], default: FlagTally()].add(outcome)
        byDescriptor[[np.axis, np.bucket, np.descriptor], default: FlagTally()].add(outcome)
        if case .failed(let message) = outcome {
            failures.append(Failure(text: s.text, axis: np.axis, descriptor: np.descriptor, message: message))
        }
    }

    /// The count columns that follow each table's key columns.
    public static let countColumns = ["n", "flagged", "rate", "hate", "offensive", "neutral", "unparsed", "errors"]

    /// Writes `flag_rates_by_axis.csv`, `flag_rates_by_bucket.csv`, `flag_rates_by_descriptor.csv`
    /// (highest rate first), `errors.csv` and `flag_rates_by_axis.svg` into `folder`, each atomically.
    @discardableResult
    public func write(to folder: URL) throws -> [URL] {
        func fields(_ t: FlagTally) -> [String] {
            [String(t.n), String(t.flagged), String(format: "%.6f", t.rate), String(t.hate), String(t.offensive),
             String(t.neutral), String(t.unparsed), String(t.errors)]
        }
        func table(_ keyColumns: [String], _ rows: [([String], FlagTally)]) -> [UInt8] {
            var csv = CSVBuffer()
            csv.appendRow(keyColumns + Self.countColumns)
            for (key, t) in rows { csv.appendRow(key + fields(t)) }
            return csv.bytes
        }
        let byKey = { (a: ([String], FlagTally), b: ([String], FlagTally)) in
            utf8RowsLess(a.0.map { Array($0.utf8) }, b.0.map { Array($0.utf8) })
        }
        let axes = byAxis.map { ([$0.key], $0.value) }.sorted(by: byKey)
        let buckets = byBucket.map { ($0.key, $0.value) }.sorted(by: byKey)
        let descriptors = byDescriptor.map { ($0.key, $0.value) }.sorted { a, b in
            a.1.rate != b.1.rate ? a.1.rate > b.1.rate : byKey(a, b)
        }
        var errors = CSVBuffer()
        errors.appendRow(["text", "axis", "descriptor", "error"])
        for f in failures { errors.appendRow([f.text, f.axis, f.descriptor, f.message]) }
        let outputs: [(String, [UInt8])] = [
            ("flag_rates_by_axis.csv", table(["axis"], axes + [(["(all)"], overall)])),
            ("flag_rates_by_bucket.csv", table(["axis", "bucket"], buckets)),
            ("flag_rates_by_descriptor.csv", table(["axis", "bucket", "descriptor"], descriptors)),
            ("errors.csv", errors.bytes),
            ("flag_rates_by_axis.svg", Array(HeatMap.svg(rows: axes.map { ($0.0[0], $0.1) } + [("(all)", overall)]).utf8)),
        ]
        return try outputs.map { name, bytes in
            let url = folder.appendingPathComponent(name)
            try writeAtomically(bytes, to: url)
            return url
        }
    }
}
