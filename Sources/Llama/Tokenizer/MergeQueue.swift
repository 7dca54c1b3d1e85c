/// A candidate merge of two adjacent symbols, ordered as SentencePiece's `SymbolPairComparator`:
/// higher score first, then the leftmost pair.
struct MergeCandidate {
    var score: Float
    var left: Int32
    var right: Int32
    /// Byte length of the merged piece; a mismatch later means one side has changed and the entry is stale.
    var size: Int32

    @inline(__always)
    func precedes(_ other: MergeCandidate) -> Bool {
        score > other.score || (score == other.score && left < other.left)
    }
}

/// A binary max-heap of merge candidates.
struct MergeQueue {
    private var heap: [MergeCandidate] = []

    init(capacity: Int) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }

    /// Empties the queue, keeping its storage for the next word.
    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    mutating func push(_ item: MergeCandidate) {
        heap.append(item)
        heap.withUnsafeMutableBufferPointer { h in
            var child = h.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard item.precedes(h[parent]) else { break }
                h[child] = h[parent]
                child = parent
            }
            h[child] = item
        }
    }

    /// Removes the best candidate, moving a hole down from the root instead of swapping.
    mutating func pop() -> MergeCandidate? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap.withUnsafeMutableBufferPointer { h in
            let count = h.count
            var hole = 0
            while true {
                var child = 2 * hole + 1
                if child >= count { break }
                if child + 1 < count && h[child + 1].precedes(h[child]) { child += 1 }
                guard h[child].precedes(last) else { break }
                h[hole] = h[child]
                hole = child
            }
            h[hole] = last
        }
        return top
    }
}
