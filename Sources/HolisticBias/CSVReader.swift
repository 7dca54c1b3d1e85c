import Foundation

/// Reads RFC 4180 CSV (quoted fields, doubled quotes, `\n` or `\r\n` line ends), reporting each
/// record with the 1-based line where it starts. A leading UTF-8 byte order mark (Excel writes one) is
/// skipped, so it does not become part of the first column's name.
struct CSVReader {
    let bytes: [UInt8]
    let file: String

    init(url: URL) throws {
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw HolisticBiasError(file: url.path, "cannot read file (\(error.localizedDescription))")
        }
        file = url.path
    }

    /// Calls `body` with each record's fields and starting line.
    func forEachRecord(_ body: ([String], Int) throws -> Void) throws {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, line = 1
        let n = bytes.count
        var fields: [String] = []
        var field: [UInt8] = []
        while i < n {
            let start = line
            fields.removeAll(keepingCapacity: true)
            var endOfRecord = false
            while !endOfRecord {
                field.removeAll(keepingCapacity: true)
                if i < n && bytes[i] == UInt8(ascii: "\"") {
                    i += 1
                    while true {
                        guard i < n else {
                            throw HolisticBiasError(file: file, line: start, "unterminated quoted field")
                        }
                        let b = bytes[i]
                        if b == UInt8(ascii: "\"") {
                            if i + 1 < n && bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 2; continue }
                            i += 1
                            break
                        }
                        if b == 0x0A { line += 1 }
                        field.append(b)
                        i += 1
                    }
                }
                while i < n && bytes[i] != UInt8(ascii: ",") && bytes[i] != 0x0A {
                    if !(bytes[i] == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A) { field.append(bytes[i]) }
                    i += 1
                }
                guard let s = String(validating: field, as: UTF8.self) else {
                    throw HolisticBiasError(file: file, line: start, "field \(fields.count + 1) is not valid UTF-8")
                }
                fields.append(s)
                if i < n && bytes[i] == UInt8(ascii: ",") {
                    i += 1
                } else {
                    if i < n { i += 1; line += 1 }
                    endOfRecord = true
                }
            }
            try body(fields, start)
        }
    }
}
