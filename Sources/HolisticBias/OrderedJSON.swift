import Foundation

/// A JSON value that keeps object members in file order, as Python's `json.load` does;
/// HolisticBias output order depends on it, and `JSONSerialization` loses it.
public indirect enum OrderedJSON: Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([Located])
    case object([(key: String, value: Located)])

    /// A value with the 1-based line where it starts, for error messages.
    public struct Located: Equatable {
        public var value: OrderedJSON
        public var line: Int
    }

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The JSON type's name as error messages print it.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Parses `data` (UTF-8); `file` only names the source in errors.
    public static func parse(_ data: Data, file: String) throws -> Located {
        var parser = Parser(bytes: [UInt8](data), file: file)
        parser.skipWhitespace()
        let value = try parser.parseValue(path: "$")
        parser.skipWhitespace()
        if parser.index != parser.bytes.count {
            throw parser.error("unexpected trailing content", path: "$")
        }
        return value
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

private struct Parser {
    let bytes: [UInt8]
    let file: String
    var index = 0
    var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    func error(_ message: String, path: String) -> HolisticBiasError {
        HolisticBiasError(file: file, line: line, field: path, "invalid JSON: \(message)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: String, path: String) throws {
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else {
                throw error("expected '\(literal)'", path: path)
            }
            index += 1
        }
    }

    mutating func parseValue(path: String) throws -> OrderedJSON.Located {
        guard index < bytes.count else { throw error("unexpected end of input", path: path) }
        let startLine = line
        let value: OrderedJSON
        switch bytes[index] {
        case UInt8(ascii: "{"): value = try parseObject(path: path)
        case UInt8(ascii: "["): value = try parseArray(path: path)
        case UInt8(ascii: "\""): value = .string(try parseString(path: path))
        case UInt8(ascii: "t"): try expect("true", path: path); value = .bool(true)
        case UInt8(ascii: "f"): try expect("false", path: path); value = .bool(false)
        case UInt8(ascii: "n"): try expect("null", path: path); value = .null
        default: value = .number(try parseNumber(path: path))
        }
        return OrderedJSON.Located(value: value, line: startLine)
    }

    mutating func parseObject(path: String) throws -> OrderedJSON {
        index += 1
        var members: [(key: String, value: OrderedJSON.Located)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a string key", path: path)
            }
            let key = try parseString(path: path)
            skipWhitespace()
            try expect(":", path: path)
            skipWhitespace()
            let value = try parseValue(path: "\(path).\(key)")
            // Python's json keeps the last duplicate key's value at the first key's position.
            if let existing = members.firstIndex(where: { $0.key == key }) {
                members[existing].value = value
            } else {
                members.append((key, value))
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated object", path: path) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}'", path: path)
        }
    }

    mutating func parseArray(path: String) throws -> OrderedJSON {
        index += 1
        var elements: [OrderedJSON.Located] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(path: "\(path)[\(elements.count)]"))
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated array", path: path) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("expected ',' or ']'", path: path)
        }
    }

    mutating func parseHex4(path: String) throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape", path: path) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape", path: path)
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    mutating func parseString(path: String) throws -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string", path: path) }
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "\"") { break }
            if c == 0x0A { throw error("line break inside a string", path: path) }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard index < bytes.count else { throw error("unterminated escape", path: path) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4(path: path)
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try parseHex4(path: path)
                    guard (0xDC00..<0xE000).contains(low) else { throw error("bad surrogate pair", path: path) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("lone surrogate", path: path) }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw error("bad escape", path: path)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw error("string is not valid UTF-8", path: path)
        }
        return s
    }

    mutating func parseNumber(path: String) throws -> Double {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        guard index > start, let text = String(bytes: bytes[start..<index], encoding: .utf8),
              let value = Double(text) else {
            throw error("unexpected character", path: path)
        }
        return value
    }
}
