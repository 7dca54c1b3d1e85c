/// Raw pointers into one call's quantized activations and the weight code book, for the row kernels.
public struct Int8Operands {
    /// The activation codes, in the layout of the kernel that quantized them.
    public let codes: UnsafePointer<Int8>
    /// The AVX-512 kernel's per-lane offset corrections; nil for the others.
    public let corrections: UnsafePointer<Int32>?
    /// The 16 codes of the code book times 127, rounded.
    public let table: UnsafePointer<Int8>
    /// Groups of 64 values per row.
    public let groups: Int

    public init(codes: UnsafePointer<Int8>, corrections: UnsafePointer<Int32>?, table: UnsafePointer<Int8>, groups: Int) {
        (self.codes, self.corrections, self.table, self.groups) = (codes, corrections, table, groups)
    }
}

/// Everything one fast GEMV y = W x hands each kernel's row loop: W as packed 4-bit rows of `cols`
/// weights with their block scales, x quantized to int8, and y.
public struct Int8GEMVArguments {
    public let packed: UnsafePointer<UInt8>
    public let cols: Int
    public let scales: ScaleSource
    /// log2 of the absmax block size.
    public let blockShift: Int
    public let activations: Int8Operands
    /// One fp32 scale per activation group.
    public let activationScales: UnsafePointer<Float>
    public let y: UnsafeMutablePointer<Float>

    public init(packed: UnsafePointer<UInt8>, cols: Int, scales: ScaleSource, blockShift: Int, activations: Int8Operands,
                activationScales: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        (self.packed, self.cols, self.scales, self.blockShift) = (packed, cols, scales, blockShift)
        (self.activations, self.activationScales, self.y) = (activations, activationScales, y)
    }
}
