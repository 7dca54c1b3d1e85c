/// The 4-bit data types of bitsandbytes.
public enum QuantType: String, Sendable, CaseIterable {
    /// NormalFloat4: 16 quantiles of N(0, 1) scaled to [-1, 1] (QLoRA).
    case nf4
    /// FP4 with 1 sign, 2 exponent and 1 mantissa bit, normalised by its largest magnitude (12).
    case fp4

    /// The 16 code values in nibble order, as `bitsandbytes.functional.get_4bit_type` builds them
    /// (a float32 table divided by its largest magnitude in float32).
    public var codebook: [Float] {
        switch self {
        case .nf4:
            return [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]
        case .fp4:
            // bitsandbytes writes the sign-bit zero as the integer `-0`, which is +0.0.
            let raw: [Float] = [0, 0.0625, 8, 12, 4, 6, 2, 3, 0, -0.0625, -8, -12, -4, -6, -2, -3]
            return raw.map { $0 / 12 }
        }
    }

    /// Nibble codes in ascending order of value. bitsandbytes' CPU quantizer buckets against the
    /// sorted table and maps back through `torch.argsort(code)`; for FP4's two zeros that sort puts
    /// nibble 0 before nibble 8, so tiny positive values get nibble 8.
    var sortedOrder: [UInt8] {
        switch self {
        case .nf4: return (0..<16).map { UInt8($0) }
        case .fp4: return [11, 10, 13, 12, 15, 14, 9, 0, 8, 1, 6, 7, 4, 5, 2, 3]
        }
    }

    /// The 15 decision boundaries: float32 midpoints of neighbouring sorted codes.
    var boundaries: [Float] {
        let code = codebook
        let sorted = sortedOrder.map { code[Int($0)] }
        return (0..<15).map { (sorted[$0] + sorted[$0 + 1]) / 2 }
    }

    /// The nibble for a value already scaled into [-1, 1]: `torch.bucketize(x, boundaries)` (the
    /// number of boundaries strictly below x), so a value exactly on a midpoint takes the lower code.
    @inline(__always)
    static func bucket(_ x: Float, boundaries b: UnsafePointer<Float>) -> Int {
        var lo = 0, hi = 15
        while lo < hi {
            let mid = (lo + hi) >> 1
            if b[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
