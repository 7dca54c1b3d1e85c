/// Counts of the labels a classifier gave one group of (benign) sentences.
public struct FlagTally: Equatable {
    public var n = 0
    public var hate = 0
    public var offensive = 0
    public var neutral = 0
    /// Answers naming no label, including `errors`.
    public var unparsed = 0
    /// Sentences the classifier threw on (counted in `unparsed` too).
    public var errors = 0

    public init() {}

    /// Sentences labelled offensive or hate: false positives, since HolisticBias is benign.
    public var flagged: Int { hate + offensive }
    /// `flagged / n` (0 for an empty group).
    public var rate: Double { n == 0 ? 0 : Double(flagged) / Double(n) }

    /// Adds one outcome: a label, nil for an unparsed answer, or a thrown error.
    mutating func add(_ outcome: DetectorOutcome) {
        n += 1
        switch outcome {
        case .label("hate"): hate += 1
        case .label("offensive"): offensive += 1
        case .label("neutral"): neutral += 1
        case .label: unparsed += 1
        case .failed:
            unparsed += 1
            errors += 1
        }
    }
}

/// What the classifier did with one sentence.
enum DetectorOutcome {
    /// A label, or nil (or an unknown word) when the answer named none.
    case label(String?)
    case failed(String)
}
