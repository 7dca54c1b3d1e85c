/// Formats a Double as Python's `repr` and numpy's `str` do (and so pandas `to_csv`): shortest
/// round-trip digits, fixed notation for exponents -4...15 with at least one decimal, else
/// `d.ddde±XX`.
func pythonRepr(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description has the same shortest digits; only the layout differs.
    var text = Swift.abs(value).description
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...])!
        text = String(text[..<e])
    }
    var intPart = text, fracPart = ""
    if let dot = text.firstIndex(of: ".") {
        intPart = String(text[..<dot])
        fracPart = String(text[text.index(after: dot)...])
    }
    var digits = intPart + fracPart
    var decpt = intPart.count + exponent
    while digits.first == "0" && digits.count > 1 { digits.removeFirst(); decpt -= 1 }
    while digits.last == "0" && digits.count > 1 { digits.removeLast() }
    let sign = value < 0 ? "-" : ""
    if decpt > 16 || decpt <= -4 {
        let e = decpt - 1
        let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
        let eText = abs(e) < 10 ? "0\(abs(e))" : "\(abs(e))"
        return "\(sign)\(mantissa)e\(e < 0 ? "-" : "+")\(eText)"
    }
    if decpt <= 0 { return "\(sign)0.\(String(repeating: "0", count: -decpt))\(digits)" }
    if decpt >= digits.count { return "\(sign)\(digits)\(String(repeating: "0", count: decpt - digits.count)).0" }
    let cut = digits.index(digits.startIndex, offsetBy: decpt)
    return "\(sign)\(digits[..<cut]).\(digits[cut...])"
}
