import Foundation

/// The label probabilities read off one next-token distribution: a softmax over the logits of the
/// three label words' first tokens (" neutral", " offensive", " hate" after "Classification:"),
/// each shifted by an additive log-prior correction (zero by default; set from the training
/// priors, it undoes a class imbalance the adapters learned).
public struct LabelDistribution: Sendable, Equatable {
    public let probabilities: [HateLabel: Double]

    public init(logits: [Float], firstTokens: [HateLabel: Int], logPriorCorrection: [HateLabel: Double] = [:]) {
        let scores = HateLabel.allCases.map { Double(logits[firstTokens[$0]!]) + (logPriorCorrection[$0] ?? 0) }
        let m = scores.max()!
        let exps = scores.map { Foundation.exp($0 - m) }
        let total = exps.reduce(0, +)
        probabilities = Dictionary(uniqueKeysWithValues: zip(HateLabel.allCases, exps.map { $0 / total }))
    }

    /// A distribution already computed (a verdict's).
    public init(probabilities: [HateLabel: Double]) { self.probabilities = probabilities }

    /// The most probable label; ties go to the earlier of neutral, offensive, hate.
    public var label: HateLabel {
        var best = HateLabel.neutral
        for l in HateLabel.allCases where probabilities[l]! > probabilities[best]! { best = l }
        return best
    }
}
