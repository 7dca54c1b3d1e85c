/// A byte count flag that is not a representable, non-negative number of bytes.
public struct ByteCountError: Error, CustomStringConvertible, Equatable {
    public let flag: String
    public let value: String
    public init(flag: String, value: String) {
        self.flag = flag
        self.value = value
    }
    public var description: String {
        "\(flag) \(value): expected a non-negative number of bytes below 2^63, optionally with K, M or G (1024-based)"
    }
}

/// Bytes from `text`: an integer, or a number with a K, M or G suffix (`256M`, `1.5G`). Throws for
/// a negative, non-finite or unrepresentable count instead of letting the conversion to `Int` trap.
public func parseByteCount(_ text: String, flag: String) throws -> Int {
    let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024]
    let fail = ByteCountError(flag: flag, value: text)
    if let last = text.uppercased().last, let unit = units[last] {
        guard let n = Double(text.dropLast()), n.isFinite, n >= 0 else { throw fail }
        let bytes = (n * unit).rounded(.down)
        // Int.max is not a Double; 2^63 is the first value past it.
        guard bytes < 9_223_372_036_854_775_808.0 else { throw fail }
        return Int(bytes)
    }
    guard let n = Int(text), n >= 0 else { throw fail }
    return n
}
