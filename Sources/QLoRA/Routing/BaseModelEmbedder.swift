import Autograd
import Llama
import Tensor

/// The default sentence embedding: the base model's final hidden states, mean-pooled over the
/// statement's tokens (BOS included), with no adapter applied. It needs nothing beyond the model
/// the detector already loads, where the paper used a separate all-MiniLM-L6-v2 encoder.
public struct BaseModelEmbedder: Embedder {
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    /// Statements are cut to this many tokens.
    public let maxTokens: Int

    public init(model: LlamaModel, tokenizer: Tokenizer, maxTokens: Int = 256) {
        self.model = model
        self.tokenizer = tokenizer
        self.maxTokens = maxTokens
    }

    public var dimension: Int { model.config.hiddenSize }

    /// Statements embedded per forward: sorted by length, so the padding each batch carries is small.
    static let batchSize = 16

    public func embed(_ texts: [String]) throws -> Tensor {
        let out = Tensor(zeros: [texts.count, dimension])
        let ids = texts.map { Array(tokenizer.encode($0, addBOS: true).prefix(min(maxTokens, model.config.maxPositions))) }
        let order = ids.indices.sorted { ids[$0].count < ids[$1].count }
        for first in stride(from: 0, to: order.count, by: Self.batchSize) {
            let rows = Array(order[first..<min(first + Self.batchSize, order.count)])
            // Right padding: under causal attention a row's real positions never see the padding
            // after them, so the mean over the real positions is the statement's own. At least two
            // positions, so that a one-token statement alone runs the same exact GEMM as in a
            // batch (one row would take the model's decode GEMV, whose int8 activations differ).
            let width = max(2, ids[rows.last!].count)
            let hidden = noGrad { model.hiddenStates(rows.map { ids[$0] + Array(repeating: 0, count: width - ids[$0].count) }).value }
            for (b, row) in rows.enumerated() {
                out.select(axis: 0, row).assign(hidden.select(axis: 0, b).slice(axis: 0, start: 0, end: ids[row].count).mean(axis: 0))
            }
        }
        return out
    }
}
