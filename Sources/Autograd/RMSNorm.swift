import Tensor

extension Variable {
    /// Root-mean-square normalisation over the last axis, as Llama's `LlamaRMSNorm`:
    /// `y = x * rsqrt(mean(x²) + eps) * weight`, with `weight` of shape [D].
    ///
    /// Fused: the forward keeps only one reciprocal root per row, and the backward is
    /// `dx = r * (g w - x̂ * mean(g w x̂))`, `dw = Σ_rows g x̂` with `x̂ = x r`.
    public func rmsNorm(weight: Variable, eps: Float) -> Variable {
        let d = shape.last ?? 0
        precondition(rank >= 1 && weight.shape == [d], "rmsNorm: input \(shape) does not match weight \(weight.shape)")
        let x = value.contiguous(), w = weight.value.contiguous()
        let (out, inv) = RMSNormKernels.forward(x, w, eps: eps)
        let input = self
        return Variable.record(out, op: "rmsNorm", parents: [self, weight]) { g in
            RMSNormKernels.backward(g.contiguous(), x, w, inv, needX: input.requiresGrad, needWeight: weight.requiresGrad)
        }
    }
}

enum RMSNormKernels {
    static func rowsPerThread(_ d: Int) -> Int { Swift.max(1, Kernels.parallelThreshold / Swift.max(d, 1)) }

    /// `x` and `w` dense; returns y and the per-row reciprocal roots.
    static func forward(_ x: Tensor, _ w: Tensor, eps: Float) -> (Tensor, Tensor) {
        let d = w.count, rows = x.count / Swift.max(d, 1)
        let out = Tensor(zeros: x.shape), inv = Tensor(zeros: [rows])
        let px = x.storage.pointer + x.offset, pw = w.storage.pointer + w.offset
        let po = out.storage.pointer, pr = inv.storage.pointer
        withExtendedLifetime((x, w)) {
            Parallel.forRanges(rows, minimumPerThread: rowsPerThread(d)) { range in
                for row in range {
                    let xr = px + row * d, yr = po + row * d
                    var ss: Float = 0
                    for j in 0..<d { ss += xr[j] * xr[j] }
                    let r = 1 / (ss / Float(d) + eps).squareRoot()
                    pr[row] = r
                    for j in 0..<d { yr[j] = xr[j] * r * pw[j] }
                }
            }
        }
        return (out, inv)
    }

    /// All tensors dense; returns [dx, dw] (nil where not needed).
    static func backward(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ inv: Tensor, needX: Bool, needWeight: Bool) -> [Tensor?] {
        let d = w.count, rows = x.count / Swift.max(d, 1)
        let px = x.storage.pointer + x.offset, pw = w.storage.pointer + w.offset
        let pr = inv.storage.pointer, pg = g.storage.pointer + g.offset
        var dx: Tensor?, dw: Tensor?
        withExtendedLifetime((g, x, w, inv)) {
            if needX {
                let out = Tensor(zeros: x.shape)
                let pd = out.storage.pointer
                Parallel.forRanges(rows, minimumPerThread: rowsPerThread(d)) { range in
                    for row in range {
                        let xr = px + row * d, gr = pg + row * d, dr = pd + row * d
                        let r = pr[row]
                        var dot: Float = 0
                        for j in 0..<d { dot += gr[j] * pw[j] * xr[j] }
                        let m = dot * r * r / Float(d)
                        for j in 0..<d { dr[j] = r * (gr[j] * pw[j] - xr[j] * m) }
                    }
                }
                dx = out
            }
            if needWeight {
                let out = Tensor(zeros: [d])
                let pd = out.storage.pointer
                for row in 0..<rows {
                    let xr = px + row * d, gr = pg + row * d, r = pr[row]
                    for j in 0..<d { pd[j] += gr[j] * xr[j] * r }
                }
                dw = out
            }
        }
        return [dx, dw]
    }
}
