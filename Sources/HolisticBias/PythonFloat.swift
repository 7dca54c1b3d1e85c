/// Formats a Double as Python's `repr` and numpy's `str` do (and so pandas `to_csv`): shortest
/// round-trip digits, fixed notation for decimal exponents -4...15 with at least one decimal,
/// else `d.ddde±XX`.
func pythonRepr(_ value: Double) -> String {
    var out: [UInt8] = []
    appendPythonRepr(value, to: &out)
    return String(decoding: out, as: UTF8.self)
}

/// `pythonRepr` appending UTF-8 bytes, for CSV writers.
func appendPythonRepr(_ value: Double, to out: inout [UInt8]) {
    if value.isNaN { out.append(contentsOf: "nan".utf8); return }
    if value.isInfinite { out.append(contentsOf: (value < 0 ? "-inf" : "inf").utf8); return }
    if value == 0 { out.append(contentsOf: (value.sign == .minus ? "-0.0" : "0.0").utf8); return }
    if value < 0 { out.append(UInt8(ascii: "-")) }
    // Half-integers (Mann-Whitney U values) print as their integer part and ".0" or ".5".
    let twice = Swift.abs(value) * 2
    if twice < 1e15 && twice == twice.rounded() {
        let whole = Int(twice) / 2
        if whole > 0 || Int(twice) % 2 == 0 {
            out.append(contentsOf: String(whole).utf8)
            out.append(UInt8(ascii: "."))
            out.append(Int(twice) % 2 == 0 ? 48 : 53)
            return
        }
    }
    // Swift's description has the same shortest digits; only the layout differs.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
        var count = 0, exponent = 0, pointAt = -1, inExponent = false, exponentSign = 1
        for c in Swift.abs(value).description.utf8 {
            if inExponent {
                if c == UInt8(ascii: "-") { exponentSign = -1 } else if c != UInt8(ascii: "+") { exponent = exponent * 10 + Int(c - 48) }
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else if c == UInt8(ascii: ".") {
                pointAt = count
            } else if count < 32 {
                digits[count] = c
                count += 1
            }
        }
        var decpt = (pointAt < 0 ? count : pointAt) + exponentSign * exponent
        var start = 0
        while start < count - 1 && digits[start] == 48 { start += 1; decpt -= 1 }
        var end = count
        while end - start > 1 && digits[end - 1] == 48 { end -= 1 }
        let d = UnsafeBufferPointer(rebasing: digits[start..<end])
        if decpt > 16 || decpt <= -4 {
            out.append(d[0])
            if d.count > 1 { out.append(UInt8(ascii: ".")); out.append(contentsOf: d.dropFirst()) }
            let e = decpt - 1
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: e < 0 ? "-" : "+"))
            if abs(e) < 10 { out.append(48) }
            out.append(contentsOf: String(abs(e)).utf8)
        } else if decpt <= 0 {
            out.append(48)
            out.append(UInt8(ascii: "."))
            for _ in 0 ..< -decpt { out.append(48) }
            out.append(contentsOf: d)
        } else if decpt >= d.count {
            out.append(contentsOf: d)
            for _ in 0 ..< (decpt - d.count) { out.append(48) }
            out.append(UInt8(ascii: "."))
            out.append(48)
        } else {
            out.append(contentsOf: d.prefix(decpt))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: d.dropFirst(decpt))
        }
    }
}
