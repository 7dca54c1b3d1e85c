import Tensor

/// Keys and values of the positions seen so far, per decoder layer: [batch, kvHeads, length, headDim].
public final class KVCache {
    var keys: [Tensor?]
    var values: [Tensor?]
    /// Positions already in the cache.
    public private(set) var length = 0

    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }

    /// A cache holding this one's first `length` positions (all by default); appending to either
    /// leaves the other as it was (appends build new tensors, the stored ones are shared).
    public func copy(length n: Int? = nil) -> KVCache {
        let n = n ?? length
        precondition(n >= 0 && n <= length, "KVCache.copy: \(n) positions of \(length)")
        let c = KVCache(layers: keys.count)
        guard n > 0 else { return c }
        func cut(_ t: Tensor?) -> Tensor? { n == length ? t : t.map { $0.slice(axis: 2, start: 0, end: n).contiguous() } }
        c.keys = keys.map(cut)
        c.values = values.map(cut)
        c.length = n
        return c
    }

    /// Appends this step's keys and values for `layer` and returns the whole sequence so far.
    func append(layer: Int, keys k: Tensor, values v: Tensor) -> (Tensor, Tensor) {
        let allK = keys[layer].map { Tensor.concat([$0, k], axis: 2) } ?? k.contiguous()
        let allV = values[layer].map { Tensor.concat([$0, v], axis: 2) } ?? v.contiguous()
        keys[layer] = allK
        values[layer] = allV
        if layer == keys.count - 1 { length = allK.shape[2] }
        return (allK, allV)
    }
}
