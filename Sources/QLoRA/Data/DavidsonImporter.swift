import Foundation
import Llama

/// Davidson et al. (2017) tweets (`labeled_data.csv`): the "microblogs" source.
/// Class 0 hate speech -> hate, 1 offensive language -> offensive, 2 neither -> neutral.
/// HTML entities in the tweets (`&amp;`, `&#128514;`) are decoded.
public enum DavidsonImporter {
    public static let source = "microblogs"

    public static func load(_ url: URL) throws -> [ExplanationRecord] {
        let table = try CSVTable(contentsOf: url)
        let idColumn = 0
        let classColumn = try table.column("class"), tweetColumn = try table.column("tweet")
        return try zip(table.rows, table.rowLines).map { row, line in
            let label: HateLabel
            switch row[classColumn] {
            case "0": label = .hate
            case "1": label = .offensive
            case "2": label = .neutral
            default:
                throw DatasetError(file: url.path, location: "line \(line)", message: "field 'class' is '\(row[classColumn])', expected 0, 1 or 2")
            }
            return ExplanationTemplates.record(statement: HTMLEntities.decode(row[tweetColumn]), label: label,
                                               source: source, id: "davidson-\(row[idColumn])")
        }
    }
}

/// Decodes the HTML character references found in scraped tweets.
enum HTMLEntities {
    static let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "#39": "'"]

    static func decode(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(12).firstIndex(of: ";") {
                let name = String(after[..<semi])
                if let v = named[name] {
                    out += v
                    rest = after[after.index(after: semi)...]
                    continue
                }
                if name.hasPrefix("#"), let code = name.dropFirst().hasPrefix("x")
                    ? UInt32(name.dropFirst(2), radix: 16) : UInt32(name.dropFirst()),
                   let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        return out + rest
    }
}
