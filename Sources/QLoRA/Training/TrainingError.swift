/// A training run that cannot start or must stop, thrown instead of trapping or writing a broken
/// adapter; option names are those of the paper's `train.py` arguments (the `qlora train` flags).
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An option outside the range training can work with.
    case invalidOption(name: String, value: String, requirement: String)
    /// A `target_modules` entry that names no linear layer of the model.
    case unknownTargetModule(name: String, valid: [String])
    /// A LoRA rank above what a targeted layer can use (min(in, out) features).
    case rankTooLarge(r: Int, module: String, limit: Int)
    /// A tokenized example with more tokens than the model has positions.
    case exampleTooLong(split: String, index: Int, tokens: Int, context: Int)
    /// A NaN or infinite loss or gradient norm: the optimizer step would make the adapter NaN.
    case nonFinite(step: Int, loss: Double, gradientNorm: Double)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "\(name) \(value): \(requirement)"
        case .unknownTargetModule(let name, let valid):
            return "target_modules: \(name) matches no linear layer of the model; valid names are \(valid.joined(separator: ", "))"
        case .rankTooLarge(let r, let module, let limit):
            return "lora_r \(r): larger than \(module) can use (min(in, out) features = \(limit))"
        case .exampleTooLong(let split, let index, let tokens, let context):
            return "\(split) example \(index + 1) is \(tokens) tokens, more than the model's context of \(context); lower max_seq_length to \(context) or less"
        case .nonFinite(let step, let loss, let norm):
            return "step \(step): loss \(loss), gradient norm \(norm) is not finite; stopped without writing the adapter (lower learning_rate?)"
        }
    }
}
