/// bitsandbytes' signed 8-bit dynamic code (`create_dynamic_map()`), used for double quantization.
///
/// Rebuilt with the float32 arithmetic torch uses: `torch.linspace(0.1, 1, n)` (a fused multiply-add
/// start + step * i for the first half, end - step * (n - 1 - i) for the rest, as the compiled ATen
/// kernel does), float32 midpoints, and the power of ten rounded to float32 before the multiply.
public enum DynamicMap {
    /// The 256 sorted code values.
    public static let signed8Bit: [Float] = build()

    private static func linspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        let step = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
        }
    }

    private static func build() -> [Float] {
        let maxExponentBits = 7, nonSignBits = 7
        var data: [Float] = []
        for i in 0..<maxExponentBits {
            let items = (1 << (i + nonSignBits - maxExponentBits)) + 1
            let b = linspace(0.1, 1, items)
            let means = (0..<(items - 1)).map { (b[$0] + b[$0 + 1]) / 2 }
            let power = Float(pow10(i - (maxExponentBits - 1)))
            data += means.map { power * $0 }
            data += means.map { -power * $0 }
        }
        data.append(0)
        data.append(1)
        return data.sorted()
    }

    /// 10^e as Python's `10 ** e` gives it (an exact int for e >= 0, a correctly rounded double otherwise).
    private static func pow10(_ e: Int) -> Double {
        if e >= 0 { return (0..<e).reduce(1.0) { acc, _ in acc * 10 } }
        return Double("1e\(e)")!
    }
}
