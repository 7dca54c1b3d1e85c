import Foundation

/// One generated sentence with its metadata, as a row of `sentences.csv`.
public struct Sentence: Equatable {
    public var text: String
    public var nounPhrase: NounPhrase
    public var template: HolisticBiasDataset.Template

    /// The value of each `sentences.csv` column by name (booleans as "True"/"False").
    public var fields: [(key: String, value: String)] {
        var out: [(String, String)] = [("text", text)]
        out += zip(NounPhrase.columns, nounPhrase.fields).map { ($0, $1) }
        out += [("template", template.text), ("first_turn_only", pandasBool(template.firstTurnOnly)),
                ("must_be_noun", pandasBool(template.mustBeNoun))]
        for (k, v) in template.extra {
            switch v {
            case .bool(let b): out.append((k, pandasBool(b)))
            case .string(let s): out.append((k, s))
            }
        }
        return out
    }
}

/// A sentence drawn by `Sampler`, with the stylistic variants applied.
public struct SampledSentence: Equatable {
    /// The sentence metadata; `text` holds the varied sentence.
    public var sentence: Sentence
    public var removeImContraction: Bool
    public var removeDescriptorHyphens: Bool
    public var lowercaseDescriptor: Bool
    public var removeFinalPeriod: Bool
    /// The noun phrase as it appears in the varied sentence.
    public var variantNounPhrase: String
}

/// The original `get_sentence()`: a uniformly random sentence with four coin-flip stylistic
/// variants, drawing from Python's `random` in the same order so a seed reproduces the original.
public struct Sampler {
    public let sentences: [Sentence]
    var rng: PythonRandom

    /// Samples from `sentences` (in `sentences.csv` order), seeded like `random.seed(seed)`.
    public init(sentences: [Sentence], seed: UInt64) {
        precondition(!sentences.isEmpty, "Sampler: no sentences to sample from")
        self.sentences = sentences
        rng = PythonRandom(seed: seed)
    }

    /// Every sentence of `generator`'s output in `sentences.csv` order.
    public static func sentences(from generator: SentenceGenerator, useSmallSet: Bool) throws -> [Sentence] {
        let all = generator.dataset.templates
        let nounless = all.filter { !$0.mustBeNoun }
        var out: [Sentence] = []
        for np in try generator.nounPhrases(useSmallSet: useSmallSet) {
            for t in np.noun == NounPhrase.none ? nounless : all {
                out.append(Sentence(text: t.prefix + (t.usesPlural ? np.pluralNounPhrase : np.nounPhrase) + t.suffix,
                                    nounPhrase: np, template: t))
            }
        }
        return out
    }

    /// The next sample; throws where the original's assertions would fail (a hyphenated or
    /// capitalised noun that the variants would corrupt).
    public mutating func next() throws -> SampledSentence {
        var s = sentences[rng.below(sentences.count)]
        let nounPhrase = s.template.usesPlural ? s.nounPhrase.pluralNounPhrase : s.nounPhrase.nounPhrase
        let noun = s.nounPhrase.noun
        let removeIm = rng.random() < 0.5, removeHyphens = rng.random() < 0.5
        let lowercase = rng.random() < 0.5, removePeriod = rng.random() < 0.5
        var text = s.text
        var variant = nounPhrase
        if removeIm { text = Self.replaceWord("I'm", with: "I am", in: text) }
        if removeHyphens {
            guard !noun.contains("-") else {
                throw HolisticBiasError(file: "sentences", field: "noun", "noun '\(noun)' has a hyphen that the variant would remove")
            }
            let replaced = variant.replacingOccurrences(of: "-", with: " ")
            text = Self.replaceWord(variant, with: replaced, in: text)
            variant = replaced
        }
        if lowercase {
            guard noun == noun.lowercased() else {
                throw HolisticBiasError(file: "sentences", field: "noun", "noun '\(noun)' would be lowercased")
            }
            let lowered = variant.lowercased()
            text = Self.replaceWord(variant, with: lowered, in: text)
            variant = lowered
        }
        if removePeriod {
            while text.hasSuffix(".") { text.removeLast() }
        }
        s.text = text
        return SampledSentence(sentence: s, removeImContraction: removeIm, removeDescriptorHyphens: removeHyphens,
                               lowercaseDescriptor: lowercase, removeFinalPeriod: removePeriod, variantNounPhrase: variant)
    }

    /// Python's `re.sub(r"\b" + re.escape(word) + r"\b", replacement, text)`: non-overlapping,
    /// left to right, only where word boundaries hold at both ends.
    static func replaceWord(_ word: String, with replacement: String, in text: String) -> String {
        let t = Array(text.unicodeScalars), w = Array(word.unicodeScalars)
        guard !w.isEmpty, w.count <= t.count else { return text }
        func isWord(_ i: Int) -> Bool {
            guard i >= 0 && i < t.count else { return false }
            let c = t[i]
            return c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
        }
        func boundary(_ i: Int) -> Bool { isWord(i - 1) != isWord(i) }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < t.count {
            if i + w.count <= t.count, boundary(i), boundary(i + w.count), Array(t[i..<(i + w.count)]) == w {
                out.append(contentsOf: replacement.unicodeScalars)
                i += w.count
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return String(out)
    }
}
