import Tensor

extension Variable {
    /// Causal scaled-dot-product attention with grouped-query heads, composed of differentiable
    /// primitives: `softmax(q kᵀ * scale + mask) v`.
    ///
    /// `q` is [B, H, T, D]; `k` and `v` are [B, KVH, S, D] with H a multiple of KVH, query head
    /// `h` reading key/value head `h / (H / KVH)` (Hugging Face's `repeat_kv`). Query `i` sees
    /// keys `0...i + S - T`, so S > T continues from a cache. The result is [B, H, T, D].
    ///
    /// Instead of repeating key/value heads, the queries sharing a key/value head are stacked
    /// into one [rep * T, D] block (a free reshape), so each product runs once per KV head.
    public static func causalAttention(q: Variable, k: Variable, v: Variable, scale: Float? = nil) -> Variable {
        precondition(q.rank == 4 && k.rank == 4 && k.shape == v.shape, "causalAttention: q \(q.shape), k \(k.shape), v \(v.shape) need ranks 4 and equal k/v shapes")
        let (b, h, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (kvHeads, s) = (k.shape[1], k.shape[2])
        precondition(k.shape[0] == b && k.shape[3] == d && kvHeads > 0 && h % kvHeads == 0 && s >= t,
                     "causalAttention: q \(q.shape) does not match k/v \(k.shape)")
        let rep = h / kvHeads
        let grouped = q.reshaped([b, kvHeads, rep * t, d])
        let scores = grouped.matmul(k.transposed()) * (scale ?? 1 / Float(d).squareRoot())
        let masked = scores + Variable(causalMask(queries: t, keys: s, groups: rep))
        return masked.softmax(axis: -1).matmul(v).reshaped([b, h, t, d])
    }

    /// [groups * queries, keys] additive mask: 0 where query row `r % queries` may see the key, -inf elsewhere.
    static func causalMask(queries: Int, keys: Int, groups: Int) -> Tensor {
        let mask = Tensor(zeros: [groups * queries, keys])
        let p = mask.storage.pointer
        for row in 0..<(groups * queries) {
            let firstHidden = row % queries + keys - queries + 1
            for c in firstHidden..<keys { p[row * keys + c] = -.infinity }
        }
        return mask
    }
}
