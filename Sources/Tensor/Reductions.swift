/// Reductions over one axis, written as "outer x axis x inner" loops over a dense copy.
extension Tensor {
    /// Views a dense tensor as [outer, n, inner] around `axis`.
    func splitAround(_ axis: Int, op: String) -> (dense: Tensor, outer: Int, n: Int, inner: Int, axis: Int) {
        precondition(rank >= 1, "\(op): needs a tensor of rank >= 1, got shape \(shape)")
        let ax = Shape.axis(axis, rank: rank, op: "\(op) of shape \(shape)")
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

    /// Reduces `axis` with `K`; `scale` multiplies the result (1 / n for the mean).
    /// Along the last axis each output is a SIMD accumulation over a contiguous line; along an
    /// inner axis whole rows of outputs are combined at once, SIMD over the trailing elements.
    private func reduce<K: ReduceKernel>(axis: Int, keepDims: Bool, op: String, _: K.Type, mean: Bool) -> Tensor {
        let (dense, outer, n, inner, ax) = splitAround(axis, op: op)
        defer { withExtendedLifetime(dense) {} }
        let out = Tensor(uninitialized: reducedShape(ax, keepDims: keepDims))
        let src = dense.storage.pointer + dense.offset, dst = out.storage.pointer
        let scale: Float = mean ? 1 / Float(n) : 1
        Parallel.forRanges(outer, minimumPerThread: Swift.max(1, parallelThreshold / Swift.max(n * inner, 1))) { r in
            for o in r {
                let base = src + o * n * inner, row = dst + o * inner
                if inner == 1 {
                    var acc = SIMD8<Float>(repeating: K.identity)
                    var i = 0
                    while i + 8 <= n {
                        acc = K.combine(acc, SIMDMath.load(base + i))
                        i += 8
                    }
                    var total = K.horizontal(acc)
                    while i < n {
                        total = K.combine(total, base[i])
                        i += 1
                    }
                    row[0] = total * scale
                    continue
                }
                row.update(repeating: K.identity, count: inner)
                for i in 0..<n {
                    let line = base + i * inner
                    var j = 0
                    while j + 8 <= inner {
                        SIMDMath.store(K.combine(SIMDMath.load(row + j), SIMDMath.load(line + j)), row + j)
                        j += 8
                    }
                    while j < inner {
                        row[j] = K.combine(row[j], line[j])
                        j += 1
                    }
                }
                if mean { for j in 0..<inner { row[j] *= scale } }
            }
        }
        return out
    }

    /// Sum over `axis`; `keepDims` keeps it with length 1.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce(axis: axis, keepDims: keepDims, op: "sum", SumKernel.self, mean: false)
    }

    /// Mean over `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce(axis: axis, keepDims: keepDims, op: "mean", SumKernel.self, mean: true)
    }

    /// Largest value over `axis` (traps on an empty axis).
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        precondition(rank >= 1 && shape[Shape.axis(axis, rank: rank, op: "max of shape \(shape)")] > 0, "max: empty axis \(axis) of shape \(shape)")
        return reduce(axis: axis, keepDims: keepDims, op: "max", MaxKernel.self, mean: false)
    }

    /// Sum of every element, accumulated in Double so long tensors do not lose precision.
    public func sum() -> Float {
        withUnsafeBufferPointer { b in Float(b.reduce(0.0) { $0 + Double($1) }) }
    }

    public func mean() -> Float { count == 0 ? .nan : sum() / Float(count) }

    /// Index of the largest value along `axis` (the first one on ties, as PyTorch does).
    public func argmax(axis: Int) -> [Int] {
        let (dense, outer, n, inner, ax) = splitAround(axis, op: "argmax")
        defer { withExtendedLifetime(dense) {} }
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

/// An associative reduction written for scalars and SIMD lanes.
protocol ReduceKernel {
    static var identity: Float { get }
    static func combine(_ a: Float, _ b: Float) -> Float
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func horizontal(_ a: SIMD8<Float>) -> Float
}

enum SumKernel: ReduceKernel {
    static var identity: Float { 0 }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func horizontal(_ a: SIMD8<Float>) -> Float { a.sum() }
}

enum MaxKernel: ReduceKernel {
    static var identity: Float { -.infinity }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { pointwiseMax(a, b) }
    @inline(__always) static func horizontal(_ a: SIMD8<Float>) -> Float { a.max() }
}
