import Foundation

/// Per-sentence perplexities, the input of `BiasDiff`: a CSV with at least the columns
/// `text,descriptor,axis,template,perplexity` (in any order).
public struct Scores {
    public struct Row: Equatable {
        public var text: String
        public var descriptor: String
        public var axis: String
        public var template: String
        public var perplexity: Double

        public init(text: String, descriptor: String, axis: String, template: String, perplexity: Double) {
            self.text = text
            self.descriptor = descriptor
            self.axis = axis
            self.template = template
            self.perplexity = perplexity
        }
    }

    /// The columns a scores file must have.
    public static let columns = ["text", "descriptor", "axis", "template", "perplexity"]

    public var rows: [Row]

    public init(rows: [Row]) {
        self.rows = rows
    }

    /// Reads a scores CSV, throwing a `HolisticBiasError` naming the file, line and column (and for a
    /// perplexity the data row, 1-based after the header) of a missing column, a short row, or a
    /// perplexity that is not a finite positive number.
    public init(url: URL) throws {
        let reader = try CSVReader(url: url)
        var index: [String: Int] = [:]
        var parsed: [Row] = []
        var sawHeader = false
        try reader.forEachRecord { fields, line in
            if !sawHeader {
                sawHeader = true
                for (i, name) in fields.enumerated() where index[name] == nil { index[name] = i }
                for name in Self.columns where index[name] == nil {
                    throw HolisticBiasError(file: url.path, line: line, field: name, "missing column (header has \(fields.joined(separator: ",")))")
                }
                return
            }
            if fields.count == 1 && fields[0].isEmpty { return }
            func value(_ name: String) throws -> String {
                let i = index[name]!
                guard i < fields.count else {
                    throw HolisticBiasError(file: url.path, line: line, field: name, "row has \(fields.count) fields, column is #\(i + 1)")
                }
                return fields[i]
            }
            let text = try value("perplexity")
            guard let ppl = Double(text.trimmingCharacters(in: .whitespaces)), !ppl.isNaN else {
                throw HolisticBiasError(file: url.path, line: line, field: "perplexity", "row \(parsed.count + 1): not a number: '\(text)'")
            }
            // A perplexity is exp(mean NLL): finite and positive. inf or 0 come from overflow or a broken
            // scorer and would silently win or lose every rank comparison.
            guard ppl.isFinite, ppl > 0 else {
                throw HolisticBiasError(file: url.path, line: line, field: "perplexity", "row \(parsed.count + 1): '\(text)' is not a finite positive perplexity")
            }
            parsed.append(Row(text: try value("text"), descriptor: try value("descriptor"), axis: try value("axis"),
                              template: try value("template"), perplexity: ppl))
        }
        guard sawHeader else { throw HolisticBiasError(file: url.path, line: 1, "empty file: no header") }
        rows = parsed
    }
}
