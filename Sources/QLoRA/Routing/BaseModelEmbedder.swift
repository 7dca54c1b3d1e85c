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

    public func embed(_ texts: [String]) throws -> Tensor {
        let out = Tensor(zeros: [texts.count, dimension])
        for (row, text) in texts.enumerated() {
            let ids = Array(tokenizer.encode(text, addBOS: true).prefix(min(maxTokens, model.config.maxPositions)))
            let hidden = noGrad { model.hiddenStates([ids]).value }
            out.select(axis: 0, row).assign(hidden.mean(axis: 1).reshaped([dimension]))
        }
        return out
    }
}
