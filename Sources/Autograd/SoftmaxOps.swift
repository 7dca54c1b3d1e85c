import Tensor

extension Variable {
    /// Softmax over `axis`; backward `y * (g - sum(g * y))`.
    public func softmax(axis: Int = -1) -> Variable {
        let out = value.softmax(axis: axis)
        return Variable.record(out, op: "softmax", parents: [self]) { g in
            let gy = g * out
            return [gy - out * gy.sum(axis: axis, keepDims: true)]
        }
    }

    /// Log-softmax over `axis`; backward `g - softmax * sum(g)`.
    public func logSoftmax(axis: Int = -1) -> Variable {
        let out = value.logSoftmax(axis: axis)
        return Variable.record(out, op: "logSoftmax", parents: [self]) { g in
            [g - out.exp() * g.sum(axis: axis, keepDims: true)]
        }
    }
}
