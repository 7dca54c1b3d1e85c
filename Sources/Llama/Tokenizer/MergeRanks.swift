/// BPE merges keyed by the ids of the pair: an open-addressing table from `left << 32 | right` to the
/// merge's rank and the merged id. Hashing two integers with a multiply beats `Dictionary`'s SipHash in
/// the merge loop, which looks up every adjacent pair of every word.
struct MergeRanks: Sendable {
    private let keys: [UInt64]
    /// `rank << 32 | merged`, beside each key.
    private let values: [UInt64]
    private let shift: UInt64
    private static let empty = UInt64.max

    /// `merges` in rank order; a pair listed twice keeps its first (lowest) rank.
    init(_ merges: [(left: Int32, right: Int32, merged: Int32)]) {
        var bits: UInt64 = 4
        while (1 << bits) < merges.count * 2 { bits += 1 }
        var keys = [UInt64](repeating: MergeRanks.empty, count: 1 << bits)
        var values = [UInt64](repeating: 0, count: 1 << bits)
        let shift = 64 - bits
        for (rank, merge) in merges.enumerated() {
            let key = MergeRanks.key(merge.left, merge.right)
            var slot = MergeRanks.slot(key, shift)
            while keys[slot] != MergeRanks.empty && keys[slot] != key { slot = (slot + 1) & (keys.count - 1) }
            if keys[slot] == MergeRanks.empty {
                keys[slot] = key
                values[slot] = UInt64(rank) << 32 | UInt64(UInt32(merge.merged))
            }
        }
        self.keys = keys
        self.values = values
        self.shift = shift
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The rank and merged id of the pair, if it merges.
    @inline(__always)
    func find(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = MergeRanks.key(left, right)
        return keys.withUnsafeBufferPointer { keys in
            var slot = MergeRanks.slot(key, shift)
            while true {
                let stored = keys[slot]
                if stored == key {
                    let value = values[slot]
                    return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value & 0xFFFF_FFFF))
                }
                if stored == MergeRanks.empty { return nil }
                slot = (slot + 1) & (keys.count - 1)
            }
        }
    }
}
