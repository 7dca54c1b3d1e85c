import Tensor

extension Variable {
    /// Inverted dropout: each element is zeroed with probability `p` and the survivors scaled by
    /// 1/(1-p), so the expected value is unchanged. The mask comes from `generator`, so a seed
    /// reproduces it; the backward multiplies by the same mask. `p == 0` returns `self`.
    public func dropout(p: Float, generator: inout RandomGenerator) -> Variable {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) must be in [0, 1)")
        if p == 0 { return self }
        let mask = Tensor.dropoutMask(shape, p: p, generator: &generator)
        return Variable.record(value * mask, op: "dropout", parents: [self]) { g in [g * mask] }
    }
}
