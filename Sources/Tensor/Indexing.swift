/// Concatenation, gathering rows (embedding lookup) and masked selection.
extension Tensor {
    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors")
        let first = parts[0]
        let ax = Shape.axis(axis, rank: first.rank, op: "concat of shapes \(parts.map(\.shape))")
        for p in parts {
            precondition(p.rank == first.rank && (0..<p.rank).allSatisfy { $0 == ax || p.shape[$0] == first.shape[$0] },
                         "concat: shapes \(parts.map(\.shape)) disagree outside axis \(axis)")
        }
        var outShape = first.shape
        outShape[ax] = parts.reduce(0) { $0 + $1.shape[ax] }
        let out = Tensor(uninitialized: outShape)
        var start = 0
        for p in parts {
            let dest = out.slice(axis: ax, start: start, end: start + p.shape[ax])
            dest.assign(p)
            start += p.shape[ax]
        }
        return out
    }

    /// Copies `source` (broadcast to this view's shape) into the elements this view covers.
    /// This writes through the view into shared storage: use it on tensors you created.
    public func assign(_ source: Tensor) {
        precondition(Shape.broadcast(source.shape, shape) == shape,
                     "assign: source of shape \(source.shape) does not broadcast to destination \(shape)")
        let src = source.expanded(to: shape)
        let inner = shape.last ?? 1
        let sd = strides.last ?? 1, ss = src.strides.last ?? 1
        let dp = storage.pointer, sp = src.storage.pointer
        StridedLoop.forEachRow(shape: shape, strides: [strides, src.strides], offsets: [offset, src.offset]) { _, off in
            let d = dp + off[0], s = sp + off[1]
            for i in 0..<inner { d[i * sd] = s[i * ss] }
        }
    }

    /// Rows of a 2-D table picked by `indices`: the embedding lookup. Result shape is
    /// `indexShape + [columns]`.
    public func gatherRows(_ indices: [Int], indexShape: [Int]? = nil) -> Tensor {
        precondition(rank == 2, "gatherRows: table must be 2-D, got \(shape)")
        let rows = shape[0], cols = shape[1]
        let out = Tensor(uninitialized: (indexShape ?? [indices.count]) + [cols])
        precondition(Shape.count(indexShape ?? [indices.count]) == indices.count,
                     "gatherRows: index shape \(indexShape ?? []) does not hold \(indices.count) indices")
        let table = contiguous()
        defer { withExtendedLifetime(table) {} }
        let src = table.storage.pointer + table.offset, dst = out.storage.pointer
        for (i, r) in indices.enumerated() {
            precondition(r >= 0 && r < rows, "gatherRows: index \(r) out of range for \(rows) rows")
            (dst + i * cols).update(from: src + r * cols, count: cols)
        }
        return out
    }

    /// `mask ? a : b` elementwise with broadcasting; `mask` holds 0 (false) or non-zero (true).
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = Shape.broadcast(a.shape, b.shape), let outShape = Shape.broadcast(mask.shape, ab) else {
            preconditionFailure("where: shapes \(mask.shape), \(a.shape), \(b.shape) do not broadcast")
        }
        let m = mask.expanded(to: outShape).contiguous()
        let x = a.expanded(to: outShape).contiguous(), y = b.expanded(to: outShape).contiguous()
        defer { withExtendedLifetime((m, x, y)) {} }
        let out = Tensor(uninitialized: outShape)
        let pm = m.storage.pointer + m.offset, px = x.storage.pointer + x.offset, py = y.storage.pointer + y.offset
        let o = out.storage.pointer
        for i in 0..<out.count { o[i] = pm[i] != 0 ? px[i] : py[i] }
        return out
    }

    /// A [rows, cols] mask with 1 where `col <= row + offset` (the causal attention mask when offset is 0).
    public static func lowerTriangularMask(rows: Int, cols: Int, offset: Int = 0) -> Tensor {
        precondition(rows >= 0 && cols >= 0, "lowerTriangularMask: negative size [\(rows), \(cols)]")
        let out = Tensor(zeros: [rows, cols])
        let o = out.storage.pointer
        for r in 0..<rows {
            for c in 0..<cols where c <= r + offset { o[r * cols + c] = 1 }
        }
        return out
    }
}
