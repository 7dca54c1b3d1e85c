/// One row of `noun_phrases.csv`: a descriptor and/or noun with its metadata, columns in the
/// original's order.
public struct NounPhrase: Equatable {
    public var axis: String
    public var bucket: String
    public var descriptor: String
    public var descriptorGender: String
    public var descriptorPreference: String
    public var noun: String
    public var pluralNoun: String
    public var nounGender: String
    public var nounPhrase: String
    public var pluralNounPhrase: String
    public var nounPhraseType: String

    /// The CSV header, which is also the sort key order.
    public static let columns = [
        "axis", "bucket", "descriptor", "descriptor_gender", "descriptor_preference", "noun",
        "plural_noun", "noun_gender", "noun_phrase", "plural_noun_phrase", "noun_phrase_type",
    ]

    /// The fields in column order.
    public var fields: [String] {
        [axis, bucket, descriptor, descriptorGender, descriptorPreference, noun, pluralNoun, nounGender,
         nounPhrase, pluralNounPhrase, nounPhraseType]
    }

    /// Marks an absent attribute, as the original's `NONE_STRING`.
    public static let none = "(none)"
    /// Marks a missing preference label, as the original's `NO_PREFERENCE_DATA_STRING`.
    public static let noPreference = "no_data"

    /// The original's indefinite-article rule: "an" before a written vowel, else "a".
    public static func article(for word: String) -> String {
        guard let first = word.unicodeScalars.first else { return "a" }
        return "aeiouAEIOU".unicodeScalars.contains(first) ? "an" : "a"
    }
}

extension HolisticBiasDataset {
    /// Every noun phrase in the original's enumeration order (before sorting): bare nouns,
    /// then descriptors by axis and bucket, then standalone noun phrases.
    public func compileNounPhrases(file: String = "descriptors.json") throws -> [NounPhrase] {
        let none = NounPhrase.none
        var rows: [NounPhrase] = []
        for (gender, list) in nouns {
            for n in list {
                rows.append(NounPhrase(
                    axis: "null", bucket: none, descriptor: none, descriptorGender: none, descriptorPreference: none,
                    noun: n.singular, pluralNoun: n.plural, nounGender: gender,
                    nounPhrase: NounPhrase.article(for: n.singular) + " " + n.singular,
                    pluralNounPhrase: n.plural, nounPhraseType: "noun"))
            }
        }
        for (axis, buckets) in descriptors {
            for (bucket, entries) in buckets {
                for d in entries {
                    if d.text.contains("{") || d.text.contains("}") {
                        throw HolisticBiasError(file: file, field: "$.\(axis).\(bucket)", "descriptor '\(d.text)' contains a brace, which the original's two-stage formatting cannot handle")
                    }
                    let gender = d.gender ?? none
                    let preference = d.preference ?? NounPhrase.noPreference
                    let article = d.article ?? NounPhrase.article(for: d.text)
                    rows.append(NounPhrase(
                        axis: axis, bucket: bucket, descriptor: d.text, descriptorGender: gender,
                        descriptorPreference: preference, noun: none, pluralNoun: none, nounGender: none,
                        nounPhrase: d.text, pluralNounPhrase: d.text, nounPhraseType: "descriptor"))
                    let pluralStem = PythonFormat.lstrip(" " + d.text)
                    for (nounGender, list) in nouns where gender == none || gender == nounGender {
                        for n in list {
                            rows.append(NounPhrase(
                                axis: axis, bucket: bucket, descriptor: d.text, descriptorGender: gender,
                                descriptorPreference: preference, noun: n.singular, pluralNoun: n.plural,
                                nounGender: nounGender, nounPhrase: article + " " + d.text + " " + n.singular,
                                pluralNounPhrase: pluralStem + " " + n.plural, nounPhraseType: "descriptor_noun"))
                        }
                    }
                }
            }
        }
        for (axis, phrases) in standalonePhrases {
            for (i, p) in phrases.enumerated() {
                let template = p.nounPhrase
                let pluralTemplate = p.pluralNounPhrase ?? template
                let preference = p.preference ?? NounPhrase.noPreference
                guard template.contains("{noun}") else {
                    rows.append(NounPhrase(
                        axis: axis, bucket: none, descriptor: template, descriptorGender: none,
                        descriptorPreference: preference, noun: none, pluralNoun: none, nounGender: "neutral",
                        nounPhrase: template, pluralNounPhrase: pluralTemplate, nounPhraseType: "fixed_phrase"))
                    continue
                }
                let fail = { (what: String) in
                    HolisticBiasError(file: "standalone_noun_phrases.json", field: "$.\(axis)[\(i)]",
                                      "\(what) must use only the {article} and {noun} placeholders")
                }
                guard let descriptor = PythonFormat.format(template, ["article": "", "noun": ""]) else { throw fail("noun_phrase") }
                for (gender, list) in nouns {
                    for n in list {
                        guard let phrase = PythonFormat.format(template, ["article": NounPhrase.article(for: n.singular), "noun": n.singular])
                        else { throw fail("noun_phrase") }
                        guard let plural = PythonFormat.format(pluralTemplate, ["article": "", "noun": n.plural])
                        else { throw fail("plural_noun_phrase") }
                        rows.append(NounPhrase(
                            axis: axis, bucket: none, descriptor: PythonFormat.lstrip(descriptor), descriptorGender: none,
                            descriptorPreference: preference, noun: n.singular, pluralNoun: n.plural, nounGender: gender,
                            nounPhrase: phrase, pluralNounPhrase: PythonFormat.lstrip(plural), nounPhraseType: "noun_descriptor"))
                    }
                }
            }
        }
        return rows
    }
}
