/// Token sequences stored as a trie, walked one token at a time by constrained decoding: the
/// children of the current node are the tokens that keep the output a prefix of some entry.
struct TokenTrie {
    struct Node {
        var children: [Int: Int] = [:]
        /// An entry ends here.
        var isEnd = false
        /// The entry ending here must be the list's only item ("none identified").
        var closesList = false
    }

    private(set) var nodes = [Node()]
    static let root = 0

    /// Adds `tokens` as an entry; an empty sequence adds nothing, as an empty item is no item.
    mutating func insert(_ tokens: [Int], closesList: Bool = false) {
        guard !tokens.isEmpty else { return }
        var node = Self.root
        for t in tokens {
            if let next = nodes[node].children[t] {
                node = next
            } else {
                nodes.append(Node())
                nodes[node].children[t] = nodes.count - 1
                node = nodes.count - 1
            }
        }
        nodes[node].isEnd = true
        nodes[node].closesList = nodes[node].closesList || closesList
    }

    func child(_ node: Int, _ token: Int) -> Int? { nodes[node].children[token] }
    subscript(node: Int) -> Node { nodes[node] }
}
