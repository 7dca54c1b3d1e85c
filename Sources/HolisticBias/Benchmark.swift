import Foundation

/// Times the two workloads whose Python timings the project recorded on this machine.
public enum Benchmark {
    /// The original Python generator on v1.0, in seconds.
    public static let pythonGenerationSeconds = 25.7
    /// scipy's Mann-Whitney U over v1.0's 571,584 descriptor pairs, in seconds.
    public static let pythonBiasDiffSeconds = 19.0

    /// Synthetic perplexities for the BiasDiff workload: every v1.0 sentence whose noun phrase
    /// joins a non-gendered descriptor and a noun, as the likelihood-bias measurement uses.
    /// Values are seeded log-normal draws rounded to 2 decimals, so ties occur as in real scores.
    public static func syntheticScores(_ sentences: [Sentence], seed: UInt64 = 1) -> Scores {
        var rng = PCG64(seed: seed)
        func uniform() -> Double { Double(rng.next64() >> 11) * 0x1p-53 }
        var rows: [Scores.Row] = []
        for s in sentences {
            let np = s.nounPhrase
            guard np.nounPhraseType == "descriptor_noun" || np.nounPhraseType == "noun_descriptor",
                  np.descriptorGender == NounPhrase.none else { continue }
            // Box-Muller: a normal draw for a log-normal perplexity.
            let z = (-2 * log(max(uniform(), 0x1p-60))).squareRoot() * cos(2 * Double.pi * uniform())
            rows.append(Scores.Row(text: s.text, descriptor: np.descriptor, axis: np.axis, template: s.template.text,
                                   perplexity: (exp(2.5 + 0.5 * z) * 100).rounded() / 100))
        }
        return Scores(rows: rows)
    }
}
