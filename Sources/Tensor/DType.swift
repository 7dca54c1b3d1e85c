/// Storage element types met in checkpoints; compute is always Float32.
public enum DType: String, Sendable, CaseIterable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", int8 = "I8", uint8 = "U8", int32 = "I32", int64 = "I64"

    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float16, .bfloat16: return 2
        case .int8, .uint8: return 1
        case .int64: return 8
        }
    }
}

/// Conversions between half-precision bit patterns and Float, exact in both directions where
/// the value is representable (round-to-nearest-even on narrowing, as PyTorch does).
public enum HalfPrecision {
    @inline(__always) public static func float(fromFloat16 bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
    @inline(__always) public static func float16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }
    @inline(__always) public static func float(fromBFloat16 bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    @inline(__always) public static func bfloat16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: (b >> 16) | 0x40) }
        let rounding = 0x7FFF + ((b >> 16) & 1)
        return UInt16(truncatingIfNeeded: (b &+ rounding) >> 16)
    }

    /// Decodes `count` little-endian elements of `dtype` at `bytes` into Float.
    public static func decode(_ bytes: UnsafeRawPointer, dtype: DType, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .float32:
            UnsafeMutableRawPointer(out).copyMemory(from: bytes, byteCount: count * 4)
        case .float16:
            for i in 0..<count { out[i] = float(fromFloat16: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bfloat16:
            for i in 0..<count { out[i] = float(fromBFloat16: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .int8:
            for i in 0..<count { out[i] = Float(bytes.load(fromByteOffset: i, as: Int8.self)) }
        case .uint8:
            for i in 0..<count { out[i] = Float(bytes.load(fromByteOffset: i, as: UInt8.self)) }
        case .int32:
            for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .int64:
            for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        }
    }
}
