import Llama

/// The chat answer's layout as a logits processor, so the answer's structure is guaranteed rather
/// than hoped for:
///
/// - the first step reads the label distribution and forces the argmax label's tokens, so the
///   answer's label is always the reported one, never one copied from the user's text;
/// - grounded, the sections then come in order: "Affected Groups:" decoded from a trie over a
///   closed group list, "Harmful Words:" from a trie over the statement's own words and spans
///   (so every harmful word is a substring of the statement), both as ", "-separated items ending
///   at "\n" or as "none identified" alone; then "Reason:" free until its line ends, after which
///   only the end of turn is allowed;
/// - ungrounded (for comparison), everything after the label is free.
///
/// One instance serves the sequences of one `generate` call in turn: an empty `generated` starts a
/// sequence again.
final class ChatAnswerGrammar {
    enum List { case groups, words }

    private indirect enum State {
        case label
        case forced([Int], then: State)
        case list(List, node: Int, items: Int)
        case reason
        case finished
        case free
    }

    static let maxGroups = 4
    static let maxWords = 6

    private let tokens: ChatAnswerTokens
    private let grounded: Bool
    private let logPriorCorrection: [HateLabel: Double]
    private let tokenText: (Int) -> String
    private let groupsFirst: TokenTrie, groupsRest: TokenTrie, wordsFirst: TokenTrie, wordsRest: TokenTrie
    private var state = State.label
    /// The label distribution read at the latest sequence's first step.
    private(set) var distribution: LabelDistribution?

    /// A list section's items as token tries: `first` also holds "none identified", which may only
    /// stand alone. Each item is stored as the answer writes it after ": " or ", ": with its space
    /// merged into the first token (byte-level BPE's usual form) or as a lone space token before
    /// the bare item.
    struct ListTries {
        let first: TokenTrie
        let rest: TokenTrie

        init(items: [String], tokenizer: Tokenizer, tokens: ChatAnswerTokens) {
            var rest = TokenTrie()
            for item in items {
                rest.insert(tokenizer.encode(" " + item, addBOS: false, parseSpecialTokens: false))
                rest.insert([tokens.space] + tokenizer.encode(item, addBOS: false, parseSpecialTokens: false))
            }
            var first = rest
            first.insert(tokenizer.encode(" none identified", addBOS: false), closesList: true)
            self.first = first
            self.rest = rest
        }
    }

    /// `groups` are the closed list's tries, built once per classifier (encoding a few hundred
    /// groups per statement would cost more than the answer); the harmful words' come from
    /// `statement`. Ungrounded, neither is consulted.
    init(tokenizer: Tokenizer, tokens: ChatAnswerTokens, statement: String, groups: ListTries, grounded: Bool,
         logPriorCorrection: [HateLabel: Double]) {
        self.tokens = tokens
        self.grounded = grounded
        self.logPriorCorrection = logPriorCorrection
        tokenText = { tokenizer.decode([$0]) }
        let words = ListTries(items: grounded ? StatementSpans.candidates(in: statement) : [], tokenizer: tokenizer, tokens: tokens)
        groupsFirst = groups.first
        groupsRest = groups.rest
        wordsFirst = words.first
        wordsRest = words.rest
    }

    /// The `LogitsProcessor` step.
    func process(_ generated: [Int], _ logits: inout [Float]) {
        if let last = generated.last { advance(last) } else { state = .label }
        switch state {
        case .label:
            let d = LabelDistribution(logits: logits, firstTokens: tokens.labelFirstTokens, logPriorCorrection: logPriorCorrection)
            distribution = d
            let word = tokens.labelWords[d.label]!
            if grounded {
                let harmful = d.label.isHarmful
                state = .forced(word + [tokens.newline] + (harmful ? tokens.groupsHeader : tokens.reasonHeader),
                                then: harmful ? .list(.groups, node: TokenTrie.root, items: 0) : .reason)
            } else {
                state = .forced(word, then: .free)
            }
            allow([word[0]], &logits)
        case .forced(let queue, _):
            allow([queue[0]], &logits)
        case .list(let kind, let node, let items):
            let trie = self.trie(kind, first: items == 0)
            var allowed = Array(trie[node].children.keys)
            if trie[node].isEnd {
                allowed.append(tokens.newline)
                let rest = self.trie(kind, first: false)
                if !trie[node].closesList && items + 1 < limit(kind) && !rest[TokenTrie.root].children.isEmpty { allowed.append(tokens.comma) }
            }
            allow(allowed, &logits)
        case .finished:
            allow([tokens.endOfTurn], &logits)
        case .reason, .free:
            break
        }
    }

    private func advance(_ token: Int) {
        switch state {
        case .label:
            preconditionFailure("ChatAnswerGrammar: a sequence continued without its first step")
        case .forced(var queue, let then):
            queue.removeFirst()
            state = queue.isEmpty ? then : .forced(queue, then: then)
        case .list(let kind, let node, let items):
            if token == tokens.newline {
                state = kind == .groups ? .forced(tokens.wordsHeader, then: .list(.words, node: TokenTrie.root, items: 0))
                                        : .forced(tokens.reasonHeader, then: .reason)
            } else if token == tokens.comma {
                state = .list(kind, node: TokenTrie.root, items: items + 1)
            } else {
                state = .list(kind, node: trie(kind, first: items == 0).child(node, token)!, items: items)
            }
        case .reason:
            if token == tokens.endOfTurn || tokenText(token).contains("\n") { state = .finished }
        case .finished, .free:
            break
        }
    }

    private func trie(_ kind: List, first: Bool) -> TokenTrie {
        switch kind {
        case .groups: return first ? groupsFirst : groupsRest
        case .words: return first ? wordsFirst : wordsRest
        }
    }

    private func limit(_ kind: List) -> Int { kind == .groups ? Self.maxGroups : Self.maxWords }

    /// Keeps `ids`' logits and masks the rest; a single id is forced whatever its logit.
    private func allow(_ ids: [Int], _ logits: inout [Float]) {
        var masked = [Float](repeating: -.infinity, count: logits.count)
        if ids.count == 1 {
            masked[ids[0]] = 0
        } else {
            for i in ids { masked[i] = logits[i] }
        }
        logits = masked
    }
}
