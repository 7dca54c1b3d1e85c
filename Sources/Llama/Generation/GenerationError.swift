/// Input `generate` cannot continue, or a model whose output is not a distribution: thrown instead
/// of trapping because prompts and weights come from users.
public enum GenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No token to condition on (a prompt needs at least BOS).
    case emptyPrompt
    /// A prompt token outside the model's vocabulary.
    case tokenOutOfRange(id: Int, position: Int, vocabularySize: Int)
    /// More prompt tokens than the model has positions.
    case promptTooLong(tokens: Int, context: Int)
    /// NaN or infinite logits at a position of the first step: the weights are broken.
    case nonFiniteLogits(position: Int)

    public var description: String {
        switch self {
        case .emptyPrompt:
            return "the prompt is empty; it needs at least one token (BOS)"
        case .tokenOutOfRange(let id, let position, let size):
            return "prompt token \(id) at position \(position) is outside the model's vocabulary of \(size) (ids 0..<\(size))"
        case .promptTooLong(let tokens, let context):
            return "the prompt is \(tokens) tokens, more than the model's context of \(context) positions"
        case .nonFiniteLogits(let position):
            return "the model produced NaN or infinite logits at position \(position); its weights are not finite"
        }
    }

    /// Throws unless `prompt` is non-empty, fits the context and every id is in the vocabulary of `config`.
    public static func check(prompt: [Int], config: LlamaConfig) throws {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        guard prompt.count <= config.maxPositions else { throw GenerationError.promptTooLong(tokens: prompt.count, context: config.maxPositions) }
        if let position = prompt.firstIndex(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw GenerationError.tokenOutOfRange(id: prompt[position], position: position, vocabularySize: config.vocabSize)
        }
    }

    /// Throws when a logits row holds NaN or infinity; one row of the first step is enough to catch
    /// non-finite weights, which poison every position.
    public static func checkFinite(_ row: [Float], position: Int) throws {
        guard row.allSatisfy(\.isFinite) else { throw GenerationError.nonFiniteLogits(position: position) }
    }
}
