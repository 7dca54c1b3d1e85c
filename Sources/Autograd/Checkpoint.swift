import Tensor

extension Variable {
    /// Gradient checkpointing: runs `body` without recording its graph, and records one node
    /// whose backward runs `body` again with the graph on and back-propagates through it.
    /// Activations inside `body` are therefore held only while its backward runs, at the cost
    /// of a second forward.
    ///
    /// Parameters that `body` captures (rather than takes from `inputs`) receive their gradients
    /// during that inner backward, as they would without checkpointing; so the node is recorded
    /// even when no input requires a gradient (the first decoder layer sees constant embeddings).
    /// `body` must compute the same function both times: give it its own copy of any random
    /// generator (dropout).
    public static func checkpoint(_ inputs: [Variable], _ body: @escaping ([Variable]) -> Variable) -> Variable {
        guard GradMode.isEnabled else { return body(inputs) }
        let out = noGrad { body(inputs.map { Variable($0.value) }) }.value
        return Variable(value: out, op: "checkpoint", parents: inputs) { g in
            let leaves = inputs.map { Variable($0.value, requiresGrad: $0.requiresGrad) }
            body(leaves).backward(seed: g)
            return leaves.map { $0.grad }
        }
    }
}
