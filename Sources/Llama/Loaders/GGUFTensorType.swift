/// A ggml tensor encoding, by its GGUF type id (`ggml_type` in ggml.h).
///
/// Block types store `blockSize` consecutive elements of a row in `bytesPerBlock` bytes; a row's
/// length must be a multiple of the block size. Sizes are those of ggml's `type_traits` table.
public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, bf16 = 30

    /// Elements per block (1 for plain scalar types).
    public var blockSize: Int {
        switch self {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: return 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: return 256
        default: return 1
        }
    }

    /// Bytes per block.
    public var bytesPerBlock: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8: return 1
        case .i64, .f64: return 8
        case .q4_0: return 18     // fp16 d, 16 bytes of nibbles
        case .q4_1: return 20     // fp16 d, fp16 m, 16 bytes of nibbles
        case .q5_0: return 22     // fp16 d, 4 bytes of high bits, 16 bytes of nibbles
        case .q5_1: return 24     // fp16 d, fp16 m, 4 + 16 bytes
        case .q8_0: return 34     // fp16 d, 32 int8
        case .q8_1: return 36     // fp16 d, fp16 s, 32 int8
        case .q2_K: return 84     // 16 scales, 64 bytes of 2-bit codes, fp16 d, fp16 dmin
        case .q3_K: return 110    // 32 bytes high bits, 64 bytes of 2-bit codes, 12 scale bytes, fp16 d
        case .q4_K: return 144    // fp16 d, fp16 dmin, 12 scale bytes, 128 bytes of nibbles
        case .q5_K: return 176    // fp16 d, fp16 dmin, 12 scale bytes, 32 bytes high bits, 128 bytes of nibbles
        case .q6_K: return 210    // 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, fp16 d
        case .q8_K: return 292    // f32 d, 256 int8, 16 int16 block sums
        }
    }

    /// ggml's name for the type (`Q4_K`).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .f64: return "F64"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        default: return "\(self)".uppercased()
        }
    }

    /// Bytes a row of `elements` takes, or nil when `elements` is not a whole number of blocks.
    public func rowBytes(_ elements: Int) -> Int? {
        guard elements % blockSize == 0 else { return nil }
        return elements / blockSize * bytesPerBlock
    }
}
