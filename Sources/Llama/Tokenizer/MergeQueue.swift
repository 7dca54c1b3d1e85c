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

    mutating func push(_ item: MergeCandidate) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> MergeCandidate? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < count && heap[left].precedes(heap[best]) { best = left }
            if right < count && heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
