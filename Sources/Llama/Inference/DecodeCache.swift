/// Keys and values of every position processed so far, for `batch` sequences decoded together.
///
/// Slots are columns of the batch (the same slot index in every row), preallocated for
/// `capacity` positions, layout per layer [batch, kvHeads, capacity, headDim]. `keyMask` records
/// which slots hold real tokens (0 for padding) so later queries skip them.
public final class DecodeCache {
    /// Rows decoded together.
    public let batch: Int
    /// Slots preallocated per row.
    public let capacity: Int
    /// Slots filled so far (the same for every row).
    public internal(set) var length = 0
    /// 1 where a slot holds a real token, per row.
    public internal(set) var keyMask: [[Int]]
    /// The RoPE position of the last real token per row (-1 before any).
    public internal(set) var lastPosition: [Int]
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]
    let kvHeads: Int, headDim: Int

    init(layers: Int, batch: Int, kvHeads: Int, headDim: Int, capacity: Int) {
        self.batch = batch
        self.capacity = capacity
        self.kvHeads = kvHeads
        self.headDim = headDim
        keyMask = Array(repeating: [], count: batch)
        lastPosition = Array(repeating: -1, count: batch)
        let n = batch * kvHeads * capacity * headDim
        keys = (0..<layers).map { _ in let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
        values = (0..<layers).map { _ in let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Start of the `headDim` floats for (row, kv head, slot).
    @inline(__always) func offset(row: Int, head: Int, slot: Int) -> Int {
        ((row * kvHeads + head) * capacity + slot) * headDim
    }
}
