import Foundation

/// A parsed JSON value that keeps object members in file order with their exact spelling, and the
/// line each value starts on.
///
/// `JSONSerialization` and `JSONDecoder` lose member order, which HolisticBias output depends on
/// (Python's `json.load` keeps it), and key objects by Swift `String`, whose equality is canonical
/// Unicode equivalence: tokenizer vocabularies hold entries such as "Å" (U+212B) and "Å" (U+00C5)
/// that must stay apart. Keys here compare by their UTF-8 bytes, as Python compares code points.
public indirect enum OrderedJSON: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([Located])
    case object([(key: String, value: Located)])

    /// A value with the 1-based line where it starts, for error messages.
    public struct Located: Equatable, Sendable {
        public var value: OrderedJSON
        public var line: Int

        public init(value: OrderedJSON, line: Int) {
            self.value = value
            self.line = line
        }
    }

    /// Malformed JSON: the line, the path of the value being read (`$.model.vocab`) and what is wrong.
    public struct SyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
        public let line: Int
        public let path: String
        public let message: String
        public var description: String { "line \(line), \(path): \(message)" }
    }

    /// Nesting limit: deeper input is refused rather than allowed to exhaust the stack.
    public static let maximumDepth = 256

    /// Parses one JSON document from UTF-8 `data`.
    public static func parse(_ data: Data) throws(SyntaxError) -> Located {
        let bytes = [UInt8](data)
        return try bytes.withUnsafeBufferPointer { buffer throws(SyntaxError) in
            var parser = OrderedJSONParser(bytes: buffer)
            parser.skipWhitespace()
            let value = try parser.value()
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw parser.error("unexpected trailing content") }
            return value
        }
    }

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
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

    /// The member named exactly `key` (byte for byte) of an object.
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value.value
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [OrderedJSON]? { if case .array(let a) = self { return a.map(\.value) } else { return nil } }
    public var members: [(key: String, value: OrderedJSON)]? {
        if case .object(let m) = self { return m.map { ($0.key, $0.value.value) } } else { return nil }
    }

    /// The value as an exact integer, if it is one.
    public var int: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9e15 else { return nil }
        return Int(d)
    }
}

private struct OrderedJSONParser {
    enum PathComponent {
        case key(String)
        case index(Int)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var line = 1
    // The path is kept as components and spelled out only for an error, so that parsing a
    // 32,000-entry vocabulary builds no strings for it.
    var path: [PathComponent] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func error(_ message: String) -> OrderedJSON.SyntaxError {
        func spell(_ c: PathComponent) -> String {
            switch c {
            case .key(let k): return ".\(k)"
            case .index(let i): return "[\(i)]"
            }
        }
        // A path hundreds of levels deep is elided in the middle.
        let shown = path.count <= 12 ? path.map(spell) : path.prefix(6).map(spell) + ["…"] + path.suffix(4).map(spell)
        let text = "$" + shown.joined()
        return OrderedJSON.SyntaxError(line: line, path: text, message: message)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A: position += 1; line += 1
            default: return
            }
        }
    }

    mutating func value() throws(OrderedJSON.SyntaxError) -> OrderedJSON.Located {
        guard path.count < OrderedJSON.maximumDepth else { throw error("nesting deeper than \(OrderedJSON.maximumDepth)") }
        guard position < bytes.count else { throw error("unexpected end of input") }
        let startLine = line
        let v: OrderedJSON
        switch bytes[position] {
        case UInt8(ascii: "{"): v = try object()
        case UInt8(ascii: "["): v = try array()
        case UInt8(ascii: "\""): v = .string(try string())
        case UInt8(ascii: "t"): try literal("true"); v = .bool(true)
        case UInt8(ascii: "f"): try literal("false"); v = .bool(false)
        case UInt8(ascii: "n"): try literal("null"); v = .null
        default: v = .number(try number())
        }
        return OrderedJSON.Located(value: v, line: startLine)
    }

    mutating func object() throws(OrderedJSON.SyntaxError) -> OrderedJSON {
        position += 1
        var members: [(key: String, value: OrderedJSON.Located)] = []
        var indexOfKey: [[UInt8]: Int] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            path.append(.key(key))
            let v = try value()
            path.removeLast()
            // Python's json keeps the last duplicate key's value at the first key's position.
            let keyBytes = Array(key.utf8)
            if let existing = indexOfKey[keyBytes] {
                members[existing].value = v
            } else {
                indexOfKey[keyBytes] = members.count
                members.append((key, v))
            }
            skipWhitespace()
            if try endOrComma(UInt8(ascii: "}")) { return .object(members) }
        }
    }

    mutating func array() throws(OrderedJSON.SyntaxError) -> OrderedJSON {
        position += 1
        var elements: [OrderedJSON.Located] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try value())
            path.removeLast()
            skipWhitespace()
            if try endOrComma(UInt8(ascii: "]")) { return .array(elements) }
        }
    }

    mutating func expect(_ byte: UInt8) throws(OrderedJSON.SyntaxError) {
        guard position < bytes.count, bytes[position] == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    /// Consumes `close` (true) or a comma (false).
    mutating func endOrComma(_ close: UInt8) throws(OrderedJSON.SyntaxError) -> Bool {
        guard position < bytes.count else { throw error("unexpected end of input") }
        if bytes[position] == close { position += 1; return true }
        guard bytes[position] == UInt8(ascii: ",") else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
        position += 1
        return false
    }

    mutating func literal(_ word: String) throws(OrderedJSON.SyntaxError) {
        for byte in word.utf8 { try expect(byte) }
    }

    mutating func number() throws(OrderedJSON.SyntaxError) -> Double {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        guard position > start,
              let v = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) else {
            position = start
            throw error("unexpected character")
        }
        return v
    }

    mutating func hex4() throws(OrderedJSON.SyntaxError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("bad hex digit in \\u escape")
            }
            v = v << 4 | UInt32(digit)
            position += 1
        }
        return v
    }

    mutating func string() throws(OrderedJSON.SyntaxError) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated string") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: "\"") { break }
            guard c >= 0x20 else { throw error("control character inside a string") }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard position < bytes.count else { throw error("unterminated escape") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), bytes.count - position >= 6,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    let save = position
                    position += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                    }
                }
                // A lone surrogate has no UTF-8 form; Python keeps it, we substitute U+FFFD.
                out.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: throw error("bad escape")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return text
    }
}
