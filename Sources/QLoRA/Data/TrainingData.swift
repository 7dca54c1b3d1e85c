import Foundation
import Llama

/// One training example: the whole text, and where the answer starts (for `--completion-only`).
public struct TrainingExample: Equatable, Sendable {
    public var text: String
    /// Characters of `text` that belong to the prompt; the loss can be masked over them.
    public var prompt: String
    public var source: String

    public init(text: String, prompt: String, source: String) {
        self.text = text
        self.prompt = prompt
        self.source = source
    }

    public init(record: ExplanationRecord, style: PromptStyle = .paper) {
        self.init(text: PromptFormat.trainingText(record, style: style), prompt: PromptFormat.prompt(statement: record.statement, style: style),
                  source: record.source)
    }
}

/// Reads training data in the paper's formats: a JSON array, or JSON Lines, of objects that hold
/// either a `text` field (the whole prompt and answer, as `train.py` expects) or the structured
/// fields of `ExplanationRecord` (`statement`, `label`, `explanation`, `groups`, `harmful_words`,
/// `reason`, `source`).
public enum TrainingDataReader {
    static let assistantMarker = "### Assistant:\n"

    public static func load(_ url: URL, style: PromptStyle = .paper) throws -> [TrainingExample] {
        try jsonItems(url).map { try example($0.item, file: url.path, location: $0.location, style: style) }
    }

    /// The JSON values of a records file (one JSON array, or JSON Lines with blank lines skipped),
    /// each with where it stands ("record 3", "line 7") for error messages.
    static func jsonItems(_ url: URL) throws -> [(location: String, item: Any)] {
        let data: Data
        do { data = try MappedFile.contents(of: url.path) } catch let error as FormatError {
            throw DatasetError(file: url.path, location: "whole file", message: "cannot read: \(error.message)")
        }
        let firstByte = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if firstByte == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw DatasetError(file: url.path, location: "whole file", message: "not a valid JSON array")
            }
            return array.enumerated().map { ("record \($0 + 1)", $1) }
        }
        var items: [(location: String, item: Any)] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let item = try? JSONSerialization.jsonObject(with: Data(line)) else {
                throw DatasetError(file: url.path, location: "line \(i + 1)", message: "not valid JSON")
            }
            items.append(("line \(i + 1)", item))
        }
        return items
    }

    /// Structured records become text with the prompt in `style`; `text` records are used as they are.
    static func example(_ item: Any, file: String, location: String, style: PromptStyle) throws -> TrainingExample {
        guard let object = item as? [String: Any] else {
            throw DatasetError(file: file, location: location, message: "expected a JSON object")
        }
        func string(_ key: String) throws -> String? {
            guard let v = object[key] else { return nil }
            guard let s = v as? String else { throw DatasetError(file: file, location: location, message: "field '\(key)' must be a string") }
            return s
        }
        func strings(_ key: String) throws -> [String] {
            guard let v = object[key] else { return [] }
            if let s = v as? String { return s.isEmpty ? [] : [s] }
            guard let a = v as? [String] else { throw DatasetError(file: file, location: location, message: "field '\(key)' must be a string or an array of strings") }
            return a
        }
        let source = try string("source") ?? "all"
        if let text = try string("text") {
            let prompt = text.range(of: assistantMarker).map { String(text[..<$0.upperBound]) } ?? ""
            return TrainingExample(text: text, prompt: prompt, source: source)
        }
        guard let statement = try string("statement") else {
            throw DatasetError(file: file, location: location, message: "needs a 'text' field or a 'statement' field")
        }
        guard let labelText = try string("label"), let label = HateLabel(rawValue: labelText.lowercased()) else {
            throw DatasetError(file: file, location: location, message: "field 'label' must be neutral, offensive or hate")
        }
        let groups = try strings("groups")
        let record = ExplanationRecord(
            statement: statement, label: label,
            explanation: try string("explanation") ?? ExplanationTemplates.explanation(label: label, groups: groups),
            groups: groups, harmfulWords: try strings("harmful_words"),
            reason: try string("reason") ?? ExplanationTemplates.reason(label: label, groups: groups),
            source: source, id: try string("id") ?? "")
        return TrainingExample(record: record, style: style)
    }
}
