/// Reductions over one axis, written as "outer x axis x inner" loops over a dense copy.
extension Tensor {
    /// Views a dense tensor as [outer, n, inner] around `axis`.
    func splitAround(_ axis: Int, op: String) -> (dense: Tensor, outer: Int, n: Int, inner: Int, axis: Int) {
        let ax = Shape.axis(axis, rank: rank, op: op)
        let dense = contiguous()
        let outer = Shape.count(Array(shape[..<ax]))
        let inner = Shape.count(Array(shape[(ax + 1)...]))
        return (dense, outer, shape[ax], inner, ax)
    }

    func reducedShape(_ ax: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[ax] = 1 } else { s.remove(at: ax) }
        return s
    }

    /// Reduces `axis` with `combine`, starting each output from `initial`; `finish` maps the
    /// accumulated value (for mean, division by the axis length).
    private func reduce(axis: Int, keepDims: Bool, op: String, initial: Float,
                        combine: (Float, Float) -> Float, finish: (Float, Int) -> Float) -> Tensor {
        let (dense, outer, n, inner, ax) = splitAround(axis, op: op)
        let out = Tensor(uninitialized: reducedShape(ax, keepDims: keepDims))
        let src = dense.storage.pointer + dense.offset, dst = out.storage.pointer
        Parallel.forRanges(outer, minimumPerThread: Swift.max(1, parallelThreshold / Swift.max(n * inner, 1))) { r in
            for o in r {
                let base = src + o * n * inner, row = dst + o * inner
                for j in 0..<inner { row[j] = initial }
                for i in 0..<n {
                    let line = base + i * inner
                    for j in 0..<inner { row[j] = combine(row[j], line[j]) }
                }
                for j in 0..<inner { row[j] = finish(row[j], n) }
            }
        }
        return out
    }

    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce(axis: axis, keepDims: keepDims, op: "sum", initial: 0, combine: +, finish: { v, _ in v })
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce(axis: axis, keepDims: keepDims, op: "mean", initial: 0, combine: +, finish: { v, n in v / Float(n) })
    }

    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        precondition(shape[Shape.axis(axis, rank: rank, op: "max")] > 0, "max: empty axis \(axis) of shape \(shape)")
        return reduce(axis: axis, keepDims: keepDims, op: "max", initial: -.infinity,
                      combine: { Swift.max($0, $1) }, finish: { v, _ in v })
    }

    /// Sum of every element, accumulated in Double so long tensors do not lose precision.
    public func sum() -> Float {
        withUnsafeBufferPointer { b in Float(b.reduce(0.0) { $0 + Double($1) }) }
    }

    public func mean() -> Float { count == 0 ? .nan : sum() / Float(count) }

    /// Index of the largest value along `axis` (the first one on ties, as PyTorch does).
    public func argmax(axis: Int) -> [Int] {
        let (dense, outer, n, inner, ax) = splitAround(axis, op: "argmax")
        precondition(n > 0, "argmax: empty axis \(ax) of shape \(shape)")
        let src = dense.storage.pointer + dense.offset
        var result = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for j in 0..<inner {
                var best = src[o * n * inner + j], bestIndex = 0
                for i in 1..<n where src[(o * n + i) * inner + j] > best {
                    best = src[(o * n + i) * inner + j]
                    bestIndex = i
                }
                result[o * inner + j] = bestIndex
            }
        }
        return result
    }
}
