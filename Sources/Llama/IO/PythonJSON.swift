import Foundation

/// Writes JSON the way Python's `json.dumps(obj, indent=2, sort_keys=True)` does for configs.
///
/// `JSONSerialization` writes the float 6.0 as `6`, and transformers rejects an integer
/// `llm_int8_threshold` ("must be a float"); Python readers need integral floats to keep their `.0`.
enum PythonJSON {
    /// The UTF-8 text of `value`: dictionaries, arrays, strings, Bool, Int, Double, Float, NSNull.
    static func encode(_ value: Any) -> Data {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return Data(out.utf8)
    }

    static func write(_ value: Any, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch value {
        case let dict as [String: Any]:
            guard !dict.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, key) in dict.keys.sorted().enumerated() {
                out += pad + quoted(key) + ": "
                write(dict[key]!, indent: indent + 2, into: &out)
                out += i == dict.count - 1 ? "\n" : ",\n"
            }
            out += close + "}"
        case let array as [Any]:
            guard !array.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, element) in array.enumerated() {
                out += pad
                write(element, indent: indent + 2, into: &out)
                out += i == array.count - 1 ? "\n" : ",\n"
            }
            out += close + "]"
        case let s as String:
            out += quoted(s)
        case is NSNull:
            out += "null"
        default:
            out += scalar(value)
        }
    }

    static func scalar(_ value: Any) -> String {
        if type(of: value) == Bool.self { return (value as! Bool) ? "true" : "false" }
        if let i = value as? Int, type(of: value) == Int.self { return String(i) }
        let d: Double
        if let x = value as? Double { d = x } else if let x = value as? Float { d = Double("\(x)")! } else {
            preconditionFailure("PythonJSON: unsupported value \(value) of type \(type(of: value))")
        }
        guard d.isFinite else { return d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity") }
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value > 0x7E {
                    for unit in String(u).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
