import Tensor

/// Matrix products. Backward rules multiply by transposed views, which BLAS takes through its
/// transpose flags, so no operand is copied.
extension Variable {
    /// `[..., M, K] x [..., K, N]` with broadcast batch dimensions; a rank-1 operand is treated as
    /// a row (left) or column (right) vector and its axis dropped, as in NumPy.
    public func matmul(_ other: Variable) -> Variable {
        precondition(rank >= 1 && other.rank >= 1, "matmul: shapes \(shape) and \(other.shape) need rank >= 1")
        if other.rank == 1 { return matmul(other.unsqueezed(1)).squeezed(-1) }
        if rank == 1 { return unsqueezed(0).matmul(other).squeezed(-2) }
        let a = self, b = other
        return Variable.record(a.value.matmul(b.value), op: "matmul", parents: [a, b]) { g in
            [a.requiresGrad ? Variable.matmulGradLeft(g, b.value, a.shape) : nil,
             b.requiresGrad ? Variable.matmulGradRight(a.value, g, b.shape) : nil]
        }
    }

    /// `self x weightᵀ (+ bias)`: a linear layer with a weight stored [out, in] as in PyTorch and
    /// Hugging Face checkpoints. `self` is [..., in]; the result is [..., out].
    public func linear(_ weight: Variable, bias: Variable? = nil) -> Variable {
        precondition(weight.rank == 2 && rank >= 1 && shape[rank - 1] == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape) ([out, in])")
        let x = self
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let batchShape = Array(shape.dropLast())
        // Leading dimensions fold into the rows of one GEMM: a few large products beat a batch of small ones.
        let x2 = x.value.reshaped([-1, inFeatures])
        var out = x2.matmul(weight.value.transposed())
        if let bias {
            precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) does not match weight \(weight.shape)")
            out = out + bias.value
        }
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return Variable.record(out.reshaped(batchShape + [outFeatures]), op: "linear", parents: parents) { g in
            let g2 = g.reshaped([-1, outFeatures])
            var grads: [Tensor?] = [
                x.requiresGrad ? g2.matmul(weight.value).reshaped(batchShape + [inFeatures]) : nil,
                weight.requiresGrad ? g2.transposed().matmul(x2) : nil,
            ]
            if let bias { grads.append(bias.requiresGrad ? g2.sum(axis: 0) : nil) }
            return grads
        }
    }

    /// d(a b)/da = g bᵀ, summed over batch dimensions `a` was broadcast along.
    static func matmulGradLeft(_ g: Tensor, _ b: Tensor, _ aShape: [Int]) -> Tensor {
        Kernels.sumToShape(g.matmul(b.transposed()), aShape)
    }

    /// d(a b)/db = aᵀ g. When `b` is one matrix shared across a batch of `a`, the batch folds
    /// into the rows of a single product instead of a batched product and a sum.
    static func matmulGradRight(_ a: Tensor, _ g: Tensor, _ bShape: [Int]) -> Tensor {
        if bShape.count == 2 && a.rank > 2 {
            let k = bShape[0], n = bShape[1]
            return a.reshaped([-1, k]).transposed().matmul(g.reshaped([-1, n]))
        }
        return Kernels.sumToShape(a.transposed().matmul(g), bShape)
    }
}
