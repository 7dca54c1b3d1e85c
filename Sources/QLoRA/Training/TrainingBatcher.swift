import Llama

/// One tokenized example: input ids and the labels the loss is taken on (-100 where ignored).
public struct TokenizedExample: Equatable, Sendable {
    public var ids: [Int]
    public var labels: [Int]
}

/// A padded micro-batch, right-padded with EOS as the paper's training does.
public struct TrainingBatch: Sendable {
    public var ids: [[Int]]
    public var attentionMask: [[Int]]
    public var labels: [[Int]]
    /// Tokens that carry a label, for tokens/s.
    public var tokenCount: Int
}

public enum TrainingBatcher {
    /// BOS + text, truncated to `maxSeqLength`; with `completionOnly` the prompt's tokens get label -100.
    public static func tokenize(_ examples: [TrainingExample], tokenizer: Tokenizer, maxSeqLength: Int, completionOnly: Bool) -> [TokenizedExample] {
        examples.map { ex in
            let ids = Array(tokenizer.encode(ex.text, addBOS: true).prefix(maxSeqLength))
            var labels = ids
            if completionOnly && !ex.prompt.isEmpty {
                let promptLength = min(tokenizer.encode(ex.prompt, addBOS: true).count, ids.count)
                for i in 0..<promptLength { labels[i] = CausalLMLoss.ignoreIndex }
            }
            return TokenizedExample(ids: ids, labels: labels)
        }
    }

    /// Pads to the longest example with `padID`; padded positions are masked and unlabelled.
    public static func collate(_ items: [TokenizedExample], padID: Int) -> TrainingBatch {
        let length = max(items.map(\.ids.count).max() ?? 0, 2)
        var batch = TrainingBatch(ids: [], attentionMask: [], labels: [], tokenCount: 0)
        for item in items {
            let pad = length - item.ids.count
            batch.ids.append(item.ids + Array(repeating: padID, count: pad))
            batch.attentionMask.append(Array(repeating: 1, count: item.ids.count) + Array(repeating: 0, count: pad))
            batch.labels.append(item.labels + Array(repeating: CausalLMLoss.ignoreIndex, count: pad))
            batch.tokenCount += item.labels.dropFirst().filter { $0 != CausalLMLoss.ignoreIndex }.count
        }
        return batch
    }
}
