import Foundation
import Llama

/// de Gibert et al. (2018) Stormfront sentences (`stormfront_sentences.csv`): the "forums" source.
/// hate -> hate, noHate -> neutral; "relation" (hate only in context) and "idk/skip" are left out.
public enum StormfrontImporter {
    public static let source = "forums"

    public static func load(_ url: URL) throws -> [ExplanationRecord] {
        let table = try CSVTable(contentsOf: url)
        let idColumn = try table.column("file_id"), labelColumn = try table.column("label"), textColumn = try table.column("text")
        var records: [ExplanationRecord] = []
        for (row, line) in zip(table.rows, table.rowLines) {
            switch row[labelColumn] {
            case "hate":
                records.append(ExplanationTemplates.record(statement: row[textColumn], label: .hate, source: source, id: "stormfront-\(row[idColumn])"))
            case "noHate":
                records.append(ExplanationTemplates.record(statement: row[textColumn], label: .neutral, source: source, id: "stormfront-\(row[idColumn])"))
            case "relation", "idk/skip":
                continue
            default:
                throw DatasetError(file: url.path, location: "line \(line)", message: "field 'label' is '\(row[labelColumn])', expected hate, noHate, relation or idk/skip")
            }
        }
        return records
    }
}
