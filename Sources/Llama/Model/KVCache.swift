import Tensor

/// Keys and values of the positions seen so far, per decoder layer: [batch, kvHeads, length, headDim].
///
/// Each layer's positions live in one buffer with room to grow (doubling), so a decoded token
/// writes only its own keys and values instead of copying the whole cache; attention reads a view
/// of the positions filled so far.
public final class KVCache {
    var keys: [Tensor?]
    var values: [Tensor?]
    /// Positions already in the cache.
    public private(set) var length = 0

    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }

    /// A cache holding this one's first `length` positions (all by default), in buffers of its own:
    /// appending to either leaves the other as it was.
    public func copy(length n: Int? = nil) -> KVCache {
        let n = n ?? length
        precondition(n >= 0 && n <= length, "KVCache.copy: \(n) positions of \(length)")
        let c = KVCache(layers: keys.count)
        guard n > 0 else { return c }
        func cut(_ t: Tensor?) -> Tensor? { t.map { $0.slice(axis: 2, start: 0, end: n).contiguous() } }
        c.keys = keys.map(cut)
        c.values = values.map(cut)
        c.length = n
        return c
    }

    /// This cache's positions repeated for `batch` sequences: a prompt opening that several
    /// statements continue from in one batched forward (each row's appends are its own).
    public func repeated(batch: Int) -> KVCache {
        precondition(batch >= 1, "KVCache.repeated: batch \(batch)")
        let c = KVCache(layers: keys.count)
        func rep(_ t: Tensor?) -> Tensor? { t.map { Tensor.concat(Array(repeating: $0.slice(axis: 2, start: 0, end: length), count: batch), axis: 0) } }
        c.keys = keys.map(rep)
        c.values = values.map(rep)
        c.length = length
        return c
    }

    /// Appends this step's keys and values for `layer` and returns the whole sequence so far.
    func append(layer: Int, keys k: Tensor, values v: Tensor) -> (Tensor, Tensor) {
        // Every layer appends at `length`; the last one moves it.
        let end = length + k.shape[2]
        keys[layer] = Self.write(k, into: keys[layer], at: length)
        values[layer] = Self.write(v, into: values[layer], at: length)
        if layer == keys.count - 1 { length = end }
        return (keys[layer]!.slice(axis: 2, start: 0, end: end), values[layer]!.slice(axis: 2, start: 0, end: end))
    }

    /// `new` written at position `at` of `buffer`, which is replaced by one twice as long when full.
    private static func write(_ new: Tensor, into buffer: Tensor?, at used: Int) -> Tensor {
        let (b, h, add, d) = (new.shape[0], new.shape[1], new.shape[2], new.shape[3])
        var store = buffer
        if store == nil || store!.shape[2] < used + add {
            let grown = Tensor(zeros: [b, h, Swift.max(used + add, 2 * (store?.shape[2] ?? 0)), d])
            if let old = store, used > 0 { grown.slice(axis: 2, start: 0, end: used).assign(old.slice(axis: 2, start: 0, end: used)) }
            store = grown
        }
        store!.slice(axis: 2, start: used, end: used + add).assign(new)
        return store!
    }
}
