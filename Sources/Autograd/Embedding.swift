import Tensor

extension Variable {
    /// Rows of the 2-D table `self` picked by `indices` (token ids): the result has shape
    /// `indexShape + [columns]`. The backward scatter-adds the gradient rows into a zero table,
    /// so a token that appears twice gets both contributions.
    public func embedding(_ indices: [Int], indexShape: [Int]? = nil) -> Variable {
        precondition(rank == 2, "embedding: table must be 2-D, got \(shape)")
        let out = value.gatherRows(indices, indexShape: indexShape)
        let tableShape = shape
        return Variable.record(out, op: "embedding", parents: [self]) { g in
            let cols = tableShape[1]
            let gc = g.contiguous()
            let table = Tensor(zeros: tableShape)
            let pg = gc.storage.pointer + gc.offset, pt = table.storage.pointer
            withExtendedLifetime(gc) {
                for (i, r) in indices.enumerated() {
                    let src = pg + i * cols, dst = pt + r * cols
                    for j in 0..<cols { dst[j] += src[j] }
                }
            }
            return [table]
        }
    }
}
