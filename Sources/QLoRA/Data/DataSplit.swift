/// A fixed train / validation / test assignment by a hash of each record's id, so a record stays
/// in its split whatever order or subset the data arrives in.
public enum DataSplit: String, CaseIterable, Codable, Sendable {
    case train, validation, test

    /// 80 / 10 / 10 by FNV-1a (64-bit) of the id's UTF-8 bytes.
    public static func of(id: String) -> DataSplit {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        switch h % 10 {
        case 0: return .test
        case 1: return .validation
        default: return .train
        }
    }
}
