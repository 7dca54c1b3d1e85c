import Autograd
import Tensor

/// The causal language-modelling loss as transformers computes it: logits at position t predict
/// the label at t + 1, labels of -100 are ignored, and the mean runs over the remaining tokens.
public enum CausalLMLoss {
    public static let ignoreIndex = -100

    /// `logits` [batch, seq, vocab]; `labels` [batch][seq] aligned with the input ids.
    public static func loss(logits: Variable, labels: [[Int]]) -> Variable {
        let (batch, seq, vocab) = (logits.shape[0], logits.shape[1], logits.shape[2])
        precondition(labels.count == batch && labels.allSatisfy { $0.count == seq }, "CausalLMLoss: labels must be [\(batch)][\(seq)]")
        precondition(seq >= 2, "CausalLMLoss: needs at least two positions, got \(seq)")
        let shifted = logits.slice(axis: 1, start: 0, end: seq - 1).reshaped([batch * (seq - 1), vocab])
        let targets = labels.flatMap { $0.dropFirst() }
        return shifted.crossEntropy(targets: targets, ignoreIndex: ignoreIndex)
    }
}
