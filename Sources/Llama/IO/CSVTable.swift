import Foundation

/// Errors reading delimited text, each naming the file and the 1-based line.
public struct CSVError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// An RFC 4180 CSV file read into memory: quoted fields may hold commas, doubled quotes and line
/// breaks (the datasets we read have tweets with embedded newlines), `\r\n` and `\n` both end rows.
public struct CSVTable: Sendable {
    public let file: String
    public let header: [String]
    public let rows: [[String]]
    /// The line on which each row starts, for error messages.
    public let rowLines: [Int]

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CSVError(file: url.path, line: 0, message: "cannot read file: \(error.localizedDescription)")
        }
        try self.init(data: data, file: url.path)
    }

    public init(data: Data, file: String) throws {
        self.file = file
        var rows: [[String]] = []
        var lines: [Int] = []
        var field = [UInt8]()
        var row: [String] = []
        var inQuotes = false, fieldWasQuoted = false
        var line = 1, rowStart = 1
        let bytes = [UInt8](data)
        var i = 0
        func endField() throws {
            guard let s = String(validating: field, as: UTF8.self) else {
                throw CSVError(file: file, line: line, message: "field is not valid UTF-8")
            }
            row.append(s)
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
            } else if b == UInt8(ascii: "\"") && field.isEmpty && !fieldWasQuoted {
                inQuotes = true
                fieldWasQuoted = true
            } else if b == UInt8(ascii: ",") {
                try endField()
            } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                if b == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                try endField()
                rows.append(row)
                lines.append(rowStart)
                row = []
                line += 1
                rowStart = line
            } else {
                field.append(b)
            }
            i += 1
        }
        if inQuotes { throw CSVError(file: file, line: rowStart, message: "quoted field is never closed") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            try endField()
            rows.append(row)
            lines.append(rowStart)
        }
        guard let first = rows.first else { throw CSVError(file: file, line: 1, message: "file is empty, expected a header row") }
        header = first
        self.rows = Array(rows.dropFirst())
        rowLines = Array(lines.dropFirst())
        for (r, l) in zip(self.rows, rowLines) where r.count != header.count {
            throw CSVError(file: file, line: l, message: "row has \(r.count) fields, the header has \(header.count)")
        }
    }

    /// Index of a required column, or an error naming it.
    public func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw CSVError(file: file, line: 1, message: "missing column '\(name)' (header: \(header.joined(separator: ",")))")
        }
        return i
    }
}
