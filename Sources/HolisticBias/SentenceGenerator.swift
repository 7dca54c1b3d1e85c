import Foundation

/// Builds the HolisticBias noun phrases and templated sentences and writes them as the original
/// `generate_sentences.py` does, byte for byte.
public struct SentenceGenerator {
    /// How many descriptors `--use-small-set` keeps.
    public static let smallSetSize = 100
    /// The original's `RANDOM_SEED`.
    public static let smallSetSeed: UInt64 = 17

    /// Sentence columns that template specs may not overwrite (they precede the template's own columns).
    public static let fixedSentenceColumns: Set<String> = Set(["text", "template"] + NounPhrase.columns)

    public let dataset: HolisticBiasDataset

    public init(dataset: HolisticBiasDataset) {
        self.dataset = dataset
    }

    /// The noun phrases sorted as pandas `sort_values` over all columns (code-point order),
    /// restricted to the seeded 100-descriptor sample when `useSmallSet`.
    public func nounPhrases(useSmallSet: Bool) throws -> [NounPhrase] {
        let rows = try dataset.compileNounPhrases()
        let keys = rows.map { $0.fields.map { Array($0.utf8) } }
        let order = rows.indices.sorted { utf8RowsLess(keys[$0], keys[$1]) }
        var sorted = order.map { rows[$0] }
        if useSmallSet {
            let selected = Self.smallSetDescriptors(sorted.map(\.descriptor))
            sorted = sorted.filter { selected.contains($0.descriptor) }
        }
        return sorted
    }

    /// `numpy.random.default_rng(17).choice(sorted(unique(descriptors)), 100, replace=False)`.
    public static func smallSetDescriptors(_ descriptors: [String]) -> Set<String> {
        let unique = Array(Set(descriptors)).map { Array($0.utf8) }.sorted(by: utf8Less)
        var rng = PCG64(seed: smallSetSeed)
        let picks = rng.choiceWithoutReplacement(population: unique.count, size: min(smallSetSize, unique.count))
        return Set(picks.map { String(decoding: unique[$0], as: UTF8.self) })
    }

    /// The file names the original writes (`__small_set` suffix for the small set).
    public static func fileNames(useSmallSet: Bool) -> (nounPhrases: String, sentences: String) {
        let suffix = useSmallSet ? "__small_set" : ""
        return ("noun_phrases\(suffix).csv", "sentences\(suffix).csv")
    }

    /// `noun_phrases.csv` bytes for `rows`.
    public static func nounPhrasesCSV(_ rows: [NounPhrase]) -> [UInt8] {
        var csv = CSVBuffer(capacity: rows.count * 160)
        csv.appendRow(NounPhrase.columns)
        for r in rows { csv.appendRow(r.fields) }
        return csv.bytes
    }

    /// `sentences.csv` bytes: each noun phrase with every template (only the templates that do not
    /// require a noun when it has none), columns `text`, the noun phrase columns, `template`,
    /// `first_turn_only`, `must_be_noun`, then any further template keys.
    public func sentencesCSV(_ rows: [NounPhrase]) -> (bytes: [UInt8], count: Int) {
        let all = dataset.templates
        let nounless = all.filter { !$0.mustBeNoun }
        let extraColumns = extraColumnOrder(rows: rows, all: all, nounless: nounless)

        struct Prepared {
            var prefix: [UInt8], suffix: [UInt8], plural: Bool, tail: [UInt8]
        }
        func prepare(_ t: HolisticBiasDataset.Template) -> Prepared {
            var tail = CSVBuffer()
            tail.bytes.append(UInt8(ascii: ","))
            tail.appendField(t.text)
            tail.bytes.append(contentsOf: Array(",\(pandasBool(t.firstTurnOnly)),\(pandasBool(t.mustBeNoun))".utf8))
            for key in extraColumns {
                tail.bytes.append(UInt8(ascii: ","))
                switch t.extra.first(where: { $0.key == key })?.value {
                case .bool(let b): tail.appendField(pandasBool(b))
                case .string(let s): tail.appendField(s)
                case nil: break
                }
            }
            tail.bytes.append(0x0A)
            return Prepared(prefix: Array(t.prefix.utf8), suffix: Array(t.suffix.utf8), plural: t.usesPlural, tail: tail.bytes)
        }
        let preparedAll = all.map(prepare)
        let preparedNounless = nounless.map(prepare)

        var csv = CSVBuffer(capacity: rows.count * all.count * 260)
        csv.appendRow(["text"] + NounPhrase.columns + ["template", "first_turn_only", "must_be_noun"] + extraColumns)
        var count = 0
        var text: [UInt8] = []
        var middle = CSVBuffer()
        for row in rows {
            middle.bytes.removeAll(keepingCapacity: true)
            for f in row.fields {
                middle.bytes.append(UInt8(ascii: ","))
                middle.appendField(Array(f.utf8))
            }
            let singular = Array(row.nounPhrase.utf8), plural = Array(row.pluralNounPhrase.utf8)
            for t in row.noun == NounPhrase.none ? preparedNounless : preparedAll {
                text.removeAll(keepingCapacity: true)
                text.append(contentsOf: t.prefix)
                text.append(contentsOf: t.plural ? plural : singular)
                text.append(contentsOf: t.suffix)
                csv.appendField(text)
                csv.bytes.append(contentsOf: middle.bytes)
                csv.bytes.append(contentsOf: t.tail)
                count += 1
            }
        }
        return (csv.bytes, count)
    }

    /// pandas orders columns by first appearance across rows; rows alternate between two template
    /// lists, so the order follows whichever list the first row uses, then the other.
    private func extraColumnOrder(rows: [NounPhrase], all: [HolisticBiasDataset.Template],
                                  nounless: [HolisticBiasDataset.Template]) -> [String] {
        var lists: [[HolisticBiasDataset.Template]] = []
        if let first = rows.first {
            let firstIsNounless = first.noun == NounPhrase.none
            lists.append(firstIsNounless ? nounless : all)
            if rows.contains(where: { ($0.noun == NounPhrase.none) != firstIsNounless }) {
                lists.append(firstIsNounless ? all : nounless)
            }
        }
        var order: [String] = []
        for list in lists {
            for t in list {
                for (key, _) in t.extra where !order.contains(key) { order.append(key) }
            }
        }
        return order
    }

    /// Writes both CSVs into `folder` atomically and returns their URLs and row counts.
    @discardableResult
    public func write(to folder: URL, useSmallSet: Bool) throws
        -> (nounPhrases: URL, sentences: URL, nounPhraseCount: Int, sentenceCount: Int)
    {
        let rows = try nounPhrases(useSmallSet: useSmallSet)
        let names = Self.fileNames(useSmallSet: useSmallSet)
        let sentences = sentencesCSV(rows)
        let npURL = folder.appendingPathComponent(names.nounPhrases)
        let sURL = folder.appendingPathComponent(names.sentences)
        try writeAtomically(Self.nounPhrasesCSV(rows), to: npURL)
        try writeAtomically(sentences.bytes, to: sURL)
        return (npURL, sURL, rows.count, sentences.count)
    }
}
