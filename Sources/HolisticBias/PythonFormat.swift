/// The subset of Python's `str.format` that HolisticBias templates use: named fields and
/// doubled braces. Anything else (format specs, positional fields, stray braces) is rejected.
enum PythonFormat {
    enum Piece {
        case literal(String)
        case field(String)
    }

    /// The template as literals and field names, or nil where Python's parser would fail
    /// or need features beyond named fields.
    static func pieces(_ template: String) -> [Piece]? {
        var result: [Piece] = []
        var literal = ""
        var iterator = template.unicodeScalars.makeIterator()
        var pending = iterator.next()
        while let c = pending {
            pending = iterator.next()
            if c == "{" {
                if pending == "{" { literal.unicodeScalars.append("{"); pending = iterator.next(); continue }
                var name = ""
                while let n = pending, n != "}" {
                    guard n == "_" || n.properties.isAlphabetic || ("0"..."9").contains(n) else { return nil }
                    name.unicodeScalars.append(n)
                    pending = iterator.next()
                }
                guard pending == "}", !name.isEmpty, !("0"..."9").contains(name.unicodeScalars.first!) else { return nil }
                pending = iterator.next()
                if !literal.isEmpty { result.append(.literal(literal)); literal = "" }
                result.append(.field(name))
            } else if c == "}" {
                guard pending == "}" else { return nil }
                literal.unicodeScalars.append("}")
                pending = iterator.next()
            } else {
                literal.unicodeScalars.append(c)
            }
        }
        if !literal.isEmpty { result.append(.literal(literal)) }
        return result
    }

    /// `template.format(**values)`, or nil where Python would raise.
    static func format(_ template: String, _ values: [String: String]) -> String? {
        guard let pieces = pieces(template) else { return nil }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .field(let name):
                guard let v = values[name] else { return nil }
                out += v
            }
        }
        return out
    }

    /// Splits a template whose only field is `field` (once) into the text before and after it.
    static func split(_ template: String, field: String) -> (prefix: String, suffix: String)? {
        guard let pieces = pieces(template) else { return nil }
        var prefix = "", suffix = "", seen = false
        for piece in pieces {
            switch piece {
            case .literal(let s): if seen { suffix += s } else { prefix += s }
            case .field(let name):
                guard name == field, !seen else { return nil }
                seen = true
            }
        }
        return seen ? (prefix, suffix) : nil
    }

    /// Python's `str.lstrip()` with no argument: drops leading whitespace.
    static func lstrip(_ s: String) -> String {
        String(s.unicodeScalars.drop(while: { $0.properties.isWhitespace }))
    }
}
