import Foundation
import Llama

extension OrderedJSON {
    /// Parses `data`, throwing a `HolisticBiasError` that names `file`, the line and the JSON path.
    public static func parse(_ data: Data, file: String) throws -> Located {
        do {
            return try parse(data)
        } catch {
            throw HolisticBiasError(file: file, line: error.line, field: error.path, "invalid JSON: \(error.message)")
        }
    }

    /// Reads and parses the file at `url`, throwing a `HolisticBiasError` naming it when absent or malformed.
    public static func load(_ url: URL) throws -> Located {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw HolisticBiasError(file: url.path, "cannot read file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }
}
