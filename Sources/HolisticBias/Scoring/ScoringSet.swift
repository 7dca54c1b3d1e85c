/// The sentences the likelihood-bias measurement compares: those whose noun phrase joins a
/// descriptor that is not gendered with a noun (`descriptor_noun` / `noun_descriptor`).
public enum ScoringSet {
    /// Whether `sentence` is one BiasDiff compares.
    public static func isCompared(_ sentence: Sentence) -> Bool {
        let np = sentence.nounPhrase
        return (np.nounPhraseType == "descriptor_noun" || np.nounPhraseType == "noun_descriptor")
            && np.descriptorGender == NounPhrase.none
    }

    /// At most `limit` of `sentences`, evenly spaced so that a small run still spans every axis
    /// (the generator's order groups sentences by axis); all of them when `limit` is nil.
    public static func spread<T>(_ items: [T], limit: Int?) -> [T] {
        guard let limit, limit < items.count else { return items }
        guard limit > 0 else { return [] }
        return (0..<limit).map { items[$0 * items.count / limit] }
    }
}
