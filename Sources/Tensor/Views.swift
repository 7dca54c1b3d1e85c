/// Views: new shapes and strides over the same storage, no element copied.
extension Tensor {
    /// Same elements, new shape. One dimension may be -1. Copies only when the strides cannot
    /// express the new shape (as `torch.reshape` does).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if let i = newShape.firstIndex(of: -1) {
            precondition(newShape.filter { $0 == -1 }.count == 1 && known > 0 && count % known == 0,
                         "reshape: cannot infer -1 in \(newShape) from shape \(shape)")
            target[i] = count / known
        }
        precondition(Shape.count(target) == count, "reshape: shape \(shape) (\(count) elements) cannot become \(newShape)")
        if let s = viewStrides(for: target) {
            return Tensor(storage: storage, shape: target, strides: s, offset: offset)
        }
        let c = contiguous()
        return Tensor(storage: c.storage, shape: target, strides: Shape.contiguousStrides(target), offset: c.offset)
    }

    /// Strides that view this tensor as `target` without a copy, when they exist
    /// (the algorithm of PyTorch's `computeStride`: merge runs of dimensions that are contiguous
    /// with one another, then split them).
    private func viewStrides(for target: [Int]) -> [Int]? {
        if count == 0 { return Shape.contiguousStrides(target) }
        var result = [Int](repeating: 0, count: target.count)
        var viewD = target.count - 1
        var chunkBase = strides.last ?? 1
        var tensorNumel = 1
        var viewNumel = 1
        var tensorD = rank - 1
        while tensorD >= 0 {
            tensorNumel *= shape[tensorD]
            if tensorD == 0 || (shape[tensorD - 1] != 1 && strides[tensorD - 1] != tensorNumel * chunkBase) {
                while viewD >= 0 && (viewNumel < tensorNumel || target[viewD] == 1) {
                    result[viewD] = viewNumel * chunkBase
                    viewNumel *= target[viewD]
                    viewD -= 1
                }
                if viewNumel != tensorNumel { return nil }
                if tensorD > 0 {
                    chunkBase = strides[tensorD - 1]
                    tensorNumel = 1
                    viewNumel = 1
                }
            }
            tensorD -= 1
        }
        if viewD != -1 { return nil }
        return result
    }

    /// Reorders dimensions: `permuted([0, 2, 1, 3])`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank),
                     "permute: \(order) is not a permutation of the \(rank) axes of shape \(shape)")
        return Tensor(storage: storage, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        let x = Shape.axis(a, rank: rank, op: "transpose of shape \(shape)"), y = Shape.axis(b, rank: rank, op: "transpose of shape \(shape)")
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return permuted(order)
    }

    /// Elements `start..<end` (step `step`) along `axis`.
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "slice of shape \(shape)")
        precondition(step > 0, "slice: step \(step) must be positive")
        precondition(0 <= start && start <= end && end <= shape[ax],
                     "slice: range \(start)..<\(end) out of bounds for axis \(axis) of shape \(shape)")
        var newShape = shape, newStrides = strides
        newShape[ax] = (end - start + step - 1) / step
        newStrides[ax] = strides[ax] * step
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset + start * strides[ax])
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed.
    public func select(axis: Int = 0, _ index: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "select of shape \(shape)")
        precondition(index >= 0 && index < shape[ax], "select: index \(index) out of range for axis \(axis) of shape \(shape)")
        var newShape = shape, newStrides = strides
        newShape.remove(at: ax)
        newStrides.remove(at: ax)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset + index * strides[ax])
    }

    /// Broadcasts size-1 dimensions (and new leading ones) to `target` with stride 0.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "expand: shape \(shape) cannot expand to lower rank \(target)")
        let lead = target.count - rank
        var newStrides = [Int](repeating: 0, count: target.count)
        for i in 0..<rank {
            if shape[i] == target[lead + i] {
                newStrides[lead + i] = strides[i]
            } else {
                precondition(shape[i] == 1, "expand: shape \(shape) cannot expand to \(target)")
            }
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset)
    }

    /// Inserts a size-1 axis at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let ax = axis < 0 ? axis + rank + 1 : axis
        precondition(ax >= 0 && ax <= rank, "unsqueeze: axis \(axis) out of range for shape \(shape)")
        var newShape = shape, newStrides = strides
        newShape.insert(1, at: ax)
        newStrides.insert(ax < rank ? strides[ax] * shape[ax] : 1, at: ax)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset)
    }

    /// Removes a size-1 axis.
    public func squeezed(_ axis: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank, op: "squeeze of shape \(shape)")
        precondition(shape[ax] == 1, "squeeze: axis \(axis) of shape \(shape) is not 1")
        var newShape = shape, newStrides = strides
        newShape.remove(at: ax)
        newStrides.remove(at: ax)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset)
    }

    /// A dense row-major copy, or `self` when already dense.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitialized: shape)
        StridedLoop.copy(from: self, into: out.storage.pointer)
        return out
    }

    /// A dense copy that never shares storage with `self`.
    public func copy() -> Tensor {
        let out = Tensor(uninitialized: shape)
        StridedLoop.copy(from: self, into: out.storage.pointer)
        return out
    }
}
