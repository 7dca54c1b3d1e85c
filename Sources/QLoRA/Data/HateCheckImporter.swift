import Foundation
import Llama

/// One HateCheck functional test case (Röttger et al., 2021).
public struct HateCheckCase: Sendable, Equatable {
    /// "hatecheck-" and the suite's `case_id`.
    public var id: String
    public var functionality: String
    public var text: String
    /// HateCheck is binary: hateful, or not.
    public var hateful: Bool
    public var target: String

    /// The case as a record: hateful cases are `hate`, the rest `neutral`. A detector passes a case
    /// when it flags it (offensive or hate) exactly when it is hateful, so `offensive` is never gold.
    public var record: ExplanationRecord {
        ExplanationTemplates.record(statement: text, label: hateful ? .hate : .neutral, source: HateCheckImporter.source, id: id)
    }
}

/// Reads HateCheck's `test_suite_cases.csv`.
public enum HateCheckImporter {
    public static let source = "hatecheck"

    public static func load(_ url: URL) throws -> [HateCheckCase] {
        let table = try CSVTable(contentsOf: url)
        let c = try table.column("case_id"), f = try table.column("functionality"), t = try table.column("test_case")
        let l = try table.column("label_gold"), g = try table.column("target_ident")
        return try zip(table.rows, table.rowLines).map { row, line in
            guard row[l] == "hateful" || row[l] == "non-hateful" else {
                throw DatasetError(file: url.path, location: "line \(line)", message: "field 'label_gold' is '\(row[l])', expected hateful or non-hateful")
            }
            return HateCheckCase(id: "hatecheck-\(row[c])", functionality: row[f], text: row[t].trimmingCharacters(in: .whitespaces),
                                 hateful: row[l] == "hateful", target: row[g])
        }
    }
}
