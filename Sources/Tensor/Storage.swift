import Foundation

/// A reference-counted, fixed-size buffer of `Float` that tensors view.
///
/// Views created by `reshape`, `permute`, `slice` and `expand` share one `Storage`,
/// so writing through one view is visible through the others, as in PyTorch.
///
/// Kernels read `pointer` directly. Swift may free a local tensor right after its last use, which
/// for a dense temporary is where its pointer is taken, so kernels hold such temporaries with
/// `withExtendedLifetime` until their loops are done.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// Keeps an external owner (a memory-mapped file, say) alive while the storage is in use.
    private let owner: AnyObject?
    private let ownsMemory: Bool

    /// Allocates `count` zero-initialised floats, 64-byte aligned for SIMD loads.
    public init(count: Int) {
        precondition(count >= 0, "Storage: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: Swift.max(count, 1))
        pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        owner = nil
        ownsMemory = true
    }

    /// Allocates `count` floats left uninitialised, for outputs a kernel overwrites in full
    /// (zero-filling a large result costs a few percent of a matmul).
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "Storage: negative count \(count)")
        pointer = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64).bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
        owner = nil
        ownsMemory = true
    }

    public convenience init<C: Collection>(copying values: C) where C.Element == Float {
        self.init(count: values.count)
        var i = 0
        for v in values { pointer[i] = v; i += 1 }
    }

    /// Wraps memory owned elsewhere (for example a mapped safetensors file) without copying it.
    /// `owner` is retained for as long as this storage lives.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject?) {
        precondition(count >= 0, "Storage: negative count \(count)")
        self.pointer = pointer
        self.count = count
        self.owner = owner
        ownsMemory = false
    }

    deinit {
        if ownsMemory { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
