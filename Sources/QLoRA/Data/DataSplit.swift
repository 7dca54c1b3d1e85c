/// A fixed train / validation / test assignment by a hash of a record's split key (its id, or
/// the post it belongs to), so a record stays in its split whatever order or subset the data
/// arrives in.
public enum DataSplit: String, CaseIterable, Codable, Sendable {
    case train, validation, test

    /// 80 / 10 / 10 by `hash(key, seed:)` modulo 10: 0 is test, 1 validation, the rest train.
    public static func of(id key: String, seed: UInt64 = 0) -> DataSplit {
        switch hash(key, seed: seed) % 10 {
        case 0: return .test
        case 1: return .validation
        default: return .train
        }
    }

    /// FNV-1a (64-bit) of the key's UTF-8 bytes, starting from the offset basis XOR `seed`; seed 0
    /// is plain FNV-1a, which Scripts/fixtures reproduce in Python.
    public static func hash(_ key: String, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}
