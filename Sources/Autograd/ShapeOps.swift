import Tensor

/// Views and joins. Forward values share storage where Tensor can express a view; gradients
/// are the inverse view of the incoming gradient.
extension Variable {
    /// Same elements, new shape (one dimension may be -1); a view when the strides allow.
    public func reshaped(_ newShape: [Int]) -> Variable {
        let inputShape = shape
        return Variable.record(value.reshaped(newShape), op: "reshape", parents: [self]) { g in
            [g.reshaped(inputShape)]
        }
    }

    /// Reorders axes; the gradient is permuted back by the inverse order.
    public func permuted(_ order: [Int]) -> Variable {
        let out = value.permuted(order)
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Variable.record(out, op: "permute", parents: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Variable {
        Variable.record(value.transposed(a, b), op: "transpose", parents: [self]) { g in [g.transposed(a, b)] }
    }

    /// Elements `start..<end` (step `step`) along `axis`.
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) -> Variable {
        let inputShape = shape
        return Variable.record(value.slice(axis: axis, start: start, end: end, step: step), op: "slice", parents: [self]) { g in
            let full = Tensor(zeros: inputShape)
            full.slice(axis: axis, start: start, end: end, step: step).assign(g)
            return [full]
        }
    }

    /// Broadcasts size-1 dimensions (and new leading ones) to `target`.
    public func expanded(to target: [Int]) -> Variable {
        let inputShape = shape
        return Variable.record(value.expanded(to: target), op: "expand", parents: [self]) { g in
            [Kernels.sumToShape(g, inputShape)]
        }
    }

    /// Inserts a size-1 axis.
    public func unsqueezed(_ axis: Int) -> Variable {
        let inputShape = shape
        return Variable.record(value.unsqueezed(axis), op: "unsqueeze", parents: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// Removes a size-1 axis.
    public func squeezed(_ axis: Int) -> Variable {
        let inputShape = shape
        return Variable.record(value.squeezed(axis), op: "squeeze", parents: [self]) { g in [g.reshaped(inputShape)] }
    }

    /// A dense copy of the value; the gradient passes through unchanged.
    public func contiguous() -> Variable {
        if value.isContiguous { return self }
        return Variable.record(value.contiguous(), op: "contiguous", parents: [self]) { g in [g] }
    }

    /// Joins variables along `axis`; each gradient is the matching slice of the incoming one.
    public static func concat(_ parts: [Variable], axis: Int) -> Variable {
        precondition(!parts.isEmpty, "concat: no variables")
        let ax = Shape.axis(axis, rank: parts[0].rank, op: "concat")
        let out = Tensor.concat(parts.map { $0.value }, axis: ax)
        return record(out, op: "concat", parents: parts) { g in
            var start = 0
            return parts.map { p in
                defer { start += p.shape[ax] }
                return p.requiresGrad ? g.slice(axis: ax, start: start, end: start + p.shape[ax]) : nil
            }
        }
    }
}
