import Foundation

/// A strided n-dimensional view of Float32 `Storage`.
///
/// `Tensor` is a value: ops return new tensors and never change their inputs. Views (reshape,
/// permute, slice, expand) share storage and copy nothing; `contiguous()` copies only when the
/// strides demand it.
///
/// Programmer errors trap: every public op checks its arguments with `precondition` (shapes that
/// do not broadcast, inner dimensions that differ, an axis or index out of range, a view that would
/// reach outside its storage) and the message names the op and the shapes involved, for example
/// `matmul: inner dimensions differ, [2, 3] x [4, 5]`. Data read from files is validated by the
/// loaders, which throw instead.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    public init(storage: Storage, shape: [Int], strides: [Int], offset: Int = 0) {
        precondition(shape.count == strides.count, "Tensor: shape \(shape) and strides \(strides) differ in rank")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(offset >= 0 && strides.allSatisfy { $0 >= 0 },
                     "Tensor: negative offset \(offset) or stride in \(strides) for shape \(shape)")
        if !shape.contains(0) {
            let last = zip(shape, strides).reduce(offset) { $0 + ($1.0 - 1) * $1.1 }
            precondition(last < storage.count,
                         "Tensor: shape \(shape) strides \(strides) offset \(offset) reach past storage of \(storage.count) elements")
        }
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A dense zero tensor.
    public init(zeros shape: [Int]) {
        let n = Shape.count(shape)
        self.init(storage: Storage(count: n), shape: shape, strides: Shape.contiguousStrides(shape))
    }

    /// A dense tensor whose elements the caller must write before anyone reads them.
    init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.init(storage: Storage(uninitializedCount: Shape.count(shape)), shape: shape, strides: Shape.contiguousStrides(shape))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(zeros: shape)
        storage.buffer.update(repeating: value)
    }

    /// A dense tensor holding `values` in row-major order.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(storage: Storage(copying: values), shape: shape, strides: Shape.contiguousStrides(shape))
    }

    /// A rank-0 tensor.
    public init(scalar: Float) { self.init([scalar], shape: []) }

    public var rank: Int { shape.count }
    public var count: Int { Shape.count(shape) }

    /// True when the elements are laid out densely in row-major order from `offset`.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: rank - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// The element at a full index (slow; for tests and small tensors).
    public subscript(index: Int...) -> Float {
        precondition(index.count == rank, "Tensor subscript: \(index.count) indices for shape \(shape)")
        var o = offset
        for (i, v) in index.enumerated() {
            precondition(v >= 0 && v < shape[i], "Tensor subscript: index \(index) out of range for shape \(shape)")
            o += v * strides[i]
        }
        return storage.pointer[o]
    }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements")
        return storage.pointer[offset]
    }

    /// All elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// Read access to the dense elements; copies first when the tensor is not contiguous.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let c = contiguous()
        return try body(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// Write access to the elements of a contiguous tensor, in place (visible through every view
    /// of the same storage).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(isContiguous, "withUnsafeMutableBufferPointer: tensor of shape \(shape) strides \(strides) is not contiguous")
        return try body(UnsafeMutableBufferPointer(start: storage.pointer + offset, count: count))
    }

    public var description: String {
        let values = count <= 16 ? scalars.map { String($0) }.joined(separator: ", ") : "\(count) values"
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
