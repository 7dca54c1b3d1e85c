/// Per-block scales of a 4-bit tensor: plain fp32, or double-quantized as bitsandbytes'
/// `compress_statistics=True` stores them.
public enum BlockScales: Sendable, Equatable {
    /// One fp32 absmax per block.
    case plain([Float])
    /// absmax[i] = nestedQuantMap[codes[i]] * nestedAbsmax[i / nestedBlocksize] + offset.
    case double(codes: [UInt8], nestedAbsmax: [Float], offset: Float, nestedBlocksize: Int, nestedQuantMap: [Float])

    /// Number of first-level blocks.
    public var count: Int {
        switch self {
        case .plain(let a): return a.count
        case .double(let codes, _, _, _, _): return codes.count
        }
    }

    /// The fp32 absmax of every block, decoded as bitsandbytes' `dequantize_4bit` does.
    public func decoded() -> [Float] {
        switch self {
        case .plain(let a):
            return a
        case .double(let codes, let nested, let offset, let nb, let map):
            return Blockwise8Bit.dequantize(codes, absmax: nested, code: map, blocksize: nb).map { $0 + offset }
        }
    }

    /// Bytes these scales occupy (codes, fp32 scales, offset; code tables shared by all tensors excluded).
    public var byteCount: Int {
        switch self {
        case .plain(let a): return a.count * 4
        case .double(let codes, let nested, _, _, _): return codes.count + nested.count * 4 + 4
        }
    }
}

/// A tensor quantized to 4 bits in bitsandbytes' layout: blocks of `blocksize` consecutive elements
/// of the flattened row-major tensor, two codes per byte with the first element in the high nibble.
public struct QuantizedTensor: Sendable, Equatable {
    /// Shape of the original tensor.
    public let shape: [Int]
    /// The 4-bit code book.
    public let quantType: QuantType
    /// Elements per absmax block.
    public let blocksize: Int
    /// ceil(count / 2) bytes.
    public let packed: [UInt8]
    /// One absmax per block, plain or double-quantized.
    public let scales: BlockScales

    /// Wraps already-quantized data; traps when the pieces disagree (see `QuantState` for file input).
    public init(shape: [Int], quantType: QuantType, blocksize: Int, packed: [UInt8], scales: BlockScales) {
        let n = shape.reduce(1, *)
        precondition(packed.count == (n + 1) / 2,
                     "QuantizedTensor: \(packed.count) packed bytes for shape \(shape), need \((n + 1) / 2)")
        precondition(scales.count == (n + blocksize - 1) / blocksize,
                     "QuantizedTensor: \(scales.count) block scales for shape \(shape) at blocksize \(blocksize)")
        self.shape = shape
        self.quantType = quantType
        self.blocksize = blocksize
        self.packed = packed
        self.scales = scales
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Storage per weight in bits: packed codes plus scales.
    public var bitsPerParameter: Double {
        Double((packed.count + scales.byteCount) * 8) / Double(count)
    }
}
