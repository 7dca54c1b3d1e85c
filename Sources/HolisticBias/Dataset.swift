import Foundation
import Llama

/// The four JSON files of a HolisticBias dataset version, read in file order.
public struct HolisticBiasDataset {
    /// A noun and its plural, listed under a gender in `nouns.json`.
    public struct Noun: Equatable {
        public var singular: String
        public var plural: String
    }

    /// One entry of `descriptors.json`.
    public struct Descriptor: Equatable {
        public var text: String
        /// The gender the descriptor applies to, or nil when it pairs with every noun.
        public var gender: String?
        /// The indefinite article, when the entry overrides the first-letter rule.
        public var article: String?
        public var preference: String?
    }

    /// One entry of `standalone_noun_phrases.json`, possibly templated with `{article}` and `{noun}`.
    public struct StandalonePhrase: Equatable {
        public var nounPhrase: String
        public var pluralNounPhrase: String?
        public var preference: String?
    }

    /// One entry of `sentence_templates.json`.
    public struct Template: Equatable {
        public var text: String
        /// The template split at its single `{noun_phrase}` or `{plural_noun_phrase}` field.
        public var prefix: String
        public var suffix: String
        public var usesPlural: Bool
        public var firstTurnOnly: Bool
        public var mustBeNoun: Bool
        /// Further spec keys in file order (strings or booleans), which become extra CSV columns.
        public var extra: [(key: String, value: ExtraValue)]

        public static func == (a: Template, b: Template) -> Bool {
            a.text == b.text && a.firstTurnOnly == b.firstTurnOnly && a.mustBeNoun == b.mustBeNoun
                && a.extra.map(\.key) == b.extra.map(\.key) && a.extra.map(\.value) == b.extra.map(\.value)
        }
    }

    /// A value of an extra template spec key.
    public enum ExtraValue: Equatable {
        case string(String)
        case bool(Bool)
    }

    public var nouns: [(gender: String, nouns: [Noun])]
    public var descriptors: [(axis: String, buckets: [(bucket: String, descriptors: [Descriptor])])]
    public var standalonePhrases: [(axis: String, phrases: [StandalonePhrase])]
    public var templates: [Template]

    public init(
        nouns: [(gender: String, nouns: [Noun])],
        descriptors: [(axis: String, buckets: [(bucket: String, descriptors: [Descriptor])])],
        standalonePhrases: [(axis: String, phrases: [StandalonePhrase])],
        templates: [Template]
    ) {
        self.nouns = nouns
        self.descriptors = descriptors
        self.standalonePhrases = standalonePhrases
        self.templates = templates
    }

    /// Reads `descriptors.json`, `nouns.json`, `sentence_templates.json` and
    /// `standalone_noun_phrases.json` from `folder`, throwing a `HolisticBiasError` naming the
    /// file, line and field of the first problem.
    public init(folder: URL) throws {
        let nounsFile = folder.appendingPathComponent("nouns.json")
        let nounsRoot = try OrderedJSON.load(nounsFile)
        let r = Reader(file: nounsFile.path)
        nouns = try r.object(nounsRoot, "$").map { gender, list in
            let items = try r.array(list, "$.\(gender)").enumerated().map { i, pair -> Noun in
                let path = "$.\(gender)[\(i)]"
                let parts = try r.array(pair, path)
                guard parts.count == 2 else {
                    throw HolisticBiasError(file: r.file, line: pair.line, field: path,
                                            "expected [singular, plural], found \(parts.count) items")
                }
                return Noun(singular: try r.string(parts[0], path + "[0]"), plural: try r.string(parts[1], path + "[1]"))
            }
            return (gender, items)
        }

        let descriptorsFile = folder.appendingPathComponent("descriptors.json")
        let d = Reader(file: descriptorsFile.path)
        descriptors = try d.object(try OrderedJSON.load(descriptorsFile), "$").map { axis, buckets in
            let parsed = try d.object(buckets, "$.\(axis)").map { bucket, list in
                let entries = try d.array(list, "$.\(axis).\(bucket)").enumerated().map { i, entry -> Descriptor in
                    let path = "$.\(axis).\(bucket)[\(i)]"
                    if case .string(let text) = entry.value {
                        try d.nonEmpty(text, entry, path)
                        return Descriptor(text: text)
                    }
                    let fields = try d.object(entry, path)
                    let text = try d.requiredString(fields, "descriptor", entry, path)
                    try d.nonEmpty(text, entry, path + ".descriptor")
                    return Descriptor(
                        text: text,
                        gender: try d.optionalString(fields, "gender", path),
                        article: try d.optionalString(fields, "article", path),
                        preference: try d.optionalString(fields, "preference", path))
                }
                return (bucket, entries)
            }
            return (axis, parsed)
        }

        let phrasesFile = folder.appendingPathComponent("standalone_noun_phrases.json")
        let p = Reader(file: phrasesFile.path)
        standalonePhrases = try p.object(try OrderedJSON.load(phrasesFile), "$").map { axis, list in
            let entries = try p.array(list, "$.\(axis)").enumerated().map { i, entry -> StandalonePhrase in
                let path = "$.\(axis)[\(i)]"
                if case .string(let text) = entry.value {
                    try p.nonEmpty(text, entry, path)
                    return StandalonePhrase(nounPhrase: text)
                }
                let fields = try p.object(entry, path)
                let text = try p.requiredString(fields, "noun_phrase", entry, path)
                try p.nonEmpty(text, entry, path + ".noun_phrase")
                return StandalonePhrase(
                    nounPhrase: text,
                    pluralNounPhrase: try p.optionalString(fields, "plural_noun_phrase", path),
                    preference: try p.optionalString(fields, "preference", path))
            }
            return (axis, entries)
        }

        let templatesFile = folder.appendingPathComponent("sentence_templates.json")
        let t = Reader(file: templatesFile.path)
        templates = try t.object(try OrderedJSON.load(templatesFile), "$").map { text, specs in
            let path = "$.\(text)"
            let split: (prefix: String, suffix: String, plural: Bool)
            if let s = PythonFormat.split(text, field: "noun_phrase") {
                split = (s.prefix, s.suffix, false)
            } else if let s = PythonFormat.split(text, field: "plural_noun_phrase") {
                split = (s.prefix, s.suffix, true)
            } else {
                throw HolisticBiasError(file: t.file, line: specs.line, field: path,
                                        "template has no usable {noun_phrase} or {plural_noun_phrase} placeholder (exactly one field, no other braces)")
            }
            var template = Template(text: text, prefix: split.prefix, suffix: split.suffix, usesPlural: split.plural,
                                    firstTurnOnly: false, mustBeNoun: false, extra: [])
            for (key, value) in try t.object(specs, path) {
                switch (key, value.value) {
                case ("first_turn_only", .bool(let b)): template.firstTurnOnly = b
                case ("must_be_noun", .bool(let b)): template.mustBeNoun = b
                case ("first_turn_only", _), ("must_be_noun", _):
                    throw HolisticBiasError(file: t.file, line: value.line, field: "\(path).\(key)",
                                            "expected boolean, found \(value.value.typeName)")
                case (_, _) where SentenceGenerator.fixedSentenceColumns.contains(key):
                    throw HolisticBiasError(file: t.file, line: value.line, field: "\(path).\(key)",
                                            "spec key would overwrite a sentence column")
                case (_, .bool(let b)): template.extra.append((key, .bool(b)))
                case (_, .string(let s)): template.extra.append((key, .string(s)))
                default:
                    throw HolisticBiasError(file: t.file, line: value.line, field: "\(path).\(key)",
                                            "expected boolean or string, found \(value.value.typeName)")
                }
            }
            return template
        }
    }
}

/// Typed access to parsed JSON that throws errors naming the file, line and JSON path.
private struct Reader {
    let file: String

    func object(_ v: OrderedJSON.Located, _ path: String) throws -> [(key: String, value: OrderedJSON.Located)] {
        guard case .object(let members) = v.value else { throw typeError("object", v, path) }
        return members
    }

    func array(_ v: OrderedJSON.Located, _ path: String) throws -> [OrderedJSON.Located] {
        guard case .array(let items) = v.value else { throw typeError("array", v, path) }
        return items
    }

    func string(_ v: OrderedJSON.Located, _ path: String) throws -> String {
        guard case .string(let s) = v.value else { throw typeError("string", v, path) }
        return s
    }

    func nonEmpty(_ s: String, _ v: OrderedJSON.Located, _ path: String) throws {
        if s.isEmpty { throw HolisticBiasError(file: file, line: v.line, field: path, "must not be empty") }
    }

    func requiredString(_ fields: [(key: String, value: OrderedJSON.Located)], _ key: String,
                        _ owner: OrderedJSON.Located, _ path: String) throws -> String {
        guard let v = fields.first(where: { $0.key == key })?.value else {
            throw HolisticBiasError(file: file, line: owner.line, field: "\(path).\(key)", "missing required field")
        }
        return try string(v, "\(path).\(key)")
    }

    func optionalString(_ fields: [(key: String, value: OrderedJSON.Located)], _ key: String,
                        _ path: String) throws -> String? {
        guard let v = fields.first(where: { $0.key == key })?.value else { return nil }
        return try string(v, "\(path).\(key)")
    }

    func typeError(_ expected: String, _ v: OrderedJSON.Located, _ path: String) -> HolisticBiasError {
        HolisticBiasError(file: file, line: v.line, field: path, "expected \(expected), found \(v.value.typeName)")
    }
}
