import Foundation

/// An open-addressing hash table from a piece's UTF-8 bytes to its id.
///
/// Lookups take a pointer and a length so the BPE loop can test any slice of the normalized text
/// without building a `String` for it.
struct PieceTable: Sendable {
    private let storage: [UInt8]
    private let offsets: [Int]
    private let slots: [Int32]
    private let mask: Int
    /// Ids whose bytes repeat an earlier piece; the earlier id wins lookups.
    let duplicates: [Int]

    init(pieces: [String]) {
        var storage: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for piece in pieces {
            storage.append(contentsOf: piece.utf8)
            offsets.append(storage.count)
        }
        var capacity = 16
        while capacity < pieces.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        var duplicates: [Int] = []
        let mask = capacity - 1
        storage.withUnsafeBufferPointer { bytes in
            for id in pieces.indices {
                let start = offsets[id], count = offsets[id + 1] - start
                var slot = Int(truncatingIfNeeded: PieceTable.hash(bytes.baseAddress.map { $0 + start }, count)) & mask
                var isDuplicate = false
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if PieceTable.equal(bytes, offsets[other], offsets[other + 1] - offsets[other], bytes.baseAddress.map { $0 + start }, count) {
                        isDuplicate = true
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if isDuplicate { duplicates.append(id) } else { slots[slot] = Int32(id) }
            }
        }
        self.storage = storage
        self.offsets = offsets
        self.slots = slots
        self.mask = mask
        self.duplicates = duplicates
    }

    /// The id of the piece spelled by `count` bytes at `bytes`, or nil.
    func find(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int? {
        var slot = Int(truncatingIfNeeded: PieceTable.hash(bytes, count)) & mask
        return storage.withUnsafeBufferPointer { stored in
            while true {
                let id = slots[slot]
                if id < 0 { return nil }
                let start = offsets[Int(id)]
                if PieceTable.equal(stored, start, offsets[Int(id) + 1] - start, bytes, count) { return Int(id) }
                slot = (slot + 1) & mask
            }
        }
    }

    func find(_ piece: String) -> Int? {
        var piece = piece
        return piece.withUTF8 { find($0.baseAddress, $0.count) }
    }

    private static func hash(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        guard let bytes else { return h }
        for i in 0..<count {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        return h ^ (h >> 29)
    }

    private static func equal(_ stored: UnsafeBufferPointer<UInt8>, _ start: Int, _ storedCount: Int,
                              _ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard storedCount == count else { return false }
        guard count > 0, let bytes, let base = stored.baseAddress else { return true }
        return memcmp(base + start, bytes, count) == 0
    }
}
