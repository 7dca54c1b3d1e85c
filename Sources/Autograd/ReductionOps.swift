import Tensor

/// Sums and means. The backward broadcasts the gradient back over the reduced axes as a
/// stride-0 view, without materialising it.
extension Variable {
    /// Sum over `axes` (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Variable {
        let normalized = Set(axes.map { Shape.axis($0, rank: rank, op: "sum") }).sorted(by: >)
        var out = value
        for ax in normalized { out = out.sum(axis: ax, keepDims: keepDims) }
        let inputShape = shape
        var keptShape = inputShape
        for ax in normalized { keptShape[ax] = 1 }
        return Variable.record(out, op: "sum", parents: [self]) { g in
            [g.reshaped(keptShape).expanded(to: inputShape)]
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Variable { sum(axes: [axis], keepDims: keepDims) }

    /// Sum of every element, as a rank-0 variable.
    public func sum() -> Variable {
        let inputShape = shape
        return Variable.record(Tensor(scalar: value.sum()), op: "sum", parents: [self]) { g in
            [g.reshaped([Int](repeating: 1, count: inputShape.count)).expanded(to: inputShape)]
        }
    }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Variable {
        let n = Set(axes.map { Shape.axis($0, rank: rank, op: "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Variable { mean(axes: [axis], keepDims: keepDims) }

    /// Mean of every element, as a rank-0 variable.
    public func mean() -> Variable { sum() / Float(value.count) }
}
