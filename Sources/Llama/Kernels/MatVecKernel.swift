import Tensor

/// For each (W, out) pair, out = W x for one token, with all pairs' rows split across threads in
/// one parallel region, as llama2.c's `matmul` does with OpenMP. Decoding one token is bound by
/// streaming W from memory; one hand-off per group of projections (q/k/v, gate/up) rather than
/// one per product keeps the threads busy.
func matVec(_ products: [(weight: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Int)],
            _ x: UnsafePointer<Float>, cols: Int) {
    var ends = [Int]()
    var total = 0
    for p in products { total += p.rows; ends.append(total) }
    Parallel.forRanges(total, minimumPerThread: max(1, 16384 / max(cols, 1))) { range in
        var which = 0
        for r in range {
            while r >= ends[which] { which += 1 }
            let local = r - (ends[which] - products[which].rows)
            products[which].out[local] = denseRowDot(products[which].weight + local * cols, x, cols)
        }
    }
}

@inline(__always)
func denseRowDot(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ cols: Int) -> Float {
    var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
    var i = 0
    while i + 32 <= cols {
        a0 += UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        a1 += UnsafeRawPointer(row + i + 8).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + i + 8).loadUnaligned(as: SIMD8<Float>.self)
        a2 += UnsafeRawPointer(row + i + 16).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + i + 16).loadUnaligned(as: SIMD8<Float>.self)
        a3 += UnsafeRawPointer(row + i + 24).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + i + 24).loadUnaligned(as: SIMD8<Float>.self)
        i += 32
    }
    while i + 8 <= cols {
        a0 += UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var sum = ((a0 + a1) + (a2 + a3)).sum()
    while i < cols { sum += row[i] * x[i]; i += 1 }
    return sum
}

/// `layers(x)` for x [rows, in], every layer reading the same input; a single row through dense
/// weights takes one `matVec` region, anything else each layer's own `forward`.
func project(_ layers: [any FrozenLinear], _ x: Tensor) -> [Tensor] {
    let dense = layers.compactMap { $0 as? DenseLinear }
    guard x.shape[0] == 1, x.isContiguous, dense.count == layers.count, dense.allSatisfy({ $0.weight.isContiguous }) else {
        return layers.map { $0.forward(x).contiguous() }
    }
    let outs = dense.map { Tensor(zeros: [1, $0.outFeatures]) }
    let xp = UnsafePointer(x.storage.pointer + x.offset)
    matVec(zip(dense, outs).map { (UnsafePointer($0.weight.storage.pointer + $0.weight.offset), $1.storage.pointer + $1.offset, $0.outFeatures) },
           xp, cols: x.shape[1])
    return withExtendedLifetime((dense, x)) { outs }
}

func project(_ layer: any FrozenLinear, _ x: Tensor) -> Tensor { project([layer], x)[0] }
