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
        let rows = x.count / Swift.max(d, 1)
        let out = Tensor(zeros: shape), inv = Tensor(zeros: [rows])
        let px = x.storage.pointer + x.offset, pw = w.storage.pointer + w.offset
        let po = out.storage.pointer, pr = inv.storage.pointer
        Parallel.forRanges(rows, minimumPerThread: Swift.max(1, Kernels.parallelThreshold / Swift.max(d, 1))) { range in
            for row in range {
                let xr = px + row * d, yr = po + row * d
                var ss: Float = 0
                for j in 0..<d { ss += xr[j] * xr[j] }
                let r = 1 / (ss / Float(d) + eps).squareRoot()
                pr[row] = r
                for j in 0..<d { yr[j] = xr[j] * r * pw[j] }
            }
        }
        let input = self
        return Variable.record(out, op: "rmsNorm", parents: [self, weight]) { g in
            let gc = g.contiguous()
            let pg = gc.storage.pointer + gc.offset
            var gx: Tensor?
            if input.requiresGrad {
                let dx = Tensor(zeros: x.shape)
                let pd = dx.storage.pointer
                Parallel.forRanges(rows, minimumPerThread: Swift.max(1, Kernels.parallelThreshold / Swift.max(d, 1))) { range in
                    for row in range {
                        let xr = px + row * d, gr = pg + row * d, dr = pd + row * d
                        let r = pr[row]
                        var dot: Float = 0
                        for j in 0..<d { dot += gr[j] * pw[j] * xr[j] * r }
                        let m = dot / Float(d)
                        for j in 0..<d { dr[j] = r * (gr[j] * pw[j] - xr[j] * r * m) }
                    }
                }
                gx = dx
            }
            var gw: Tensor?
            if weight.requiresGrad {
                let dw = Tensor(zeros: [d])
                let pd = dw.storage.pointer
                for row in 0..<rows {
                    let xr = px + row * d, gr = pg + row * d, r = pr[row]
                    for j in 0..<d { pd[j] += gr[j] * xr[j] * r }
                }
                gw = dw
            }
            return [gx, gw]
        }
    }
}
