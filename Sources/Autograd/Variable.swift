import Tensor

/// A tensor that takes part in reverse-mode differentiation.
///
/// Every differentiable op returns a new `Variable` that remembers its inputs and a
/// vector-Jacobian product (`vjp`): given the gradient of the loss with respect to the op's
/// output, it returns the gradients with respect to each input. `backward()` walks that graph
/// from a scalar loss in reverse topological order.
///
/// Leaves created with `requiresGrad: true` are parameters: their gradients accumulate in
/// `grad` across backward passes until `zeroGrad()`. Frozen leaves (`requiresGrad: false`)
/// receive nothing, and an op none of whose inputs requires a gradient records no graph.
public final class Variable {
    /// The forward value. An optimizer updates a parameter in place through
    /// `value.withUnsafeMutableBufferPointer`; the graph keeps no derived copy of it.
    public let value: Tensor
    /// The accumulated gradient of a leaf that requires one, in `value`'s shape; `nil` until the
    /// first backward pass reaches it.
    public var grad: Tensor?
    /// Whether gradients flow to (or through) this variable.
    public let requiresGrad: Bool
    /// A label for debugging and parameter naming (for example a Hugging Face key).
    public var name: String?
    /// The op that made this variable, or `nil` for a leaf.
    public let op: String?

    let parents: [Variable]
    let vjp: ((Tensor) -> [Tensor?])?

    /// A leaf: an input (`requiresGrad: false`, the default) or a trainable parameter.
    public init(_ value: Tensor, requiresGrad: Bool = false, name: String? = nil) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
        op = nil
        parents = []
        vjp = nil
    }

    init(value: Tensor, op: String, parents: [Variable], vjp: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        requiresGrad = true
        self.op = op
        self.parents = parents
        self.vjp = vjp
    }

    /// The result of an op. A graph node is recorded only when gradients are enabled and some
    /// input requires a gradient; otherwise the result is a constant leaf and `vjp` is dropped.
    /// `vjp` returns one gradient per parent (in the parent's shape), `nil` for parents that do
    /// not require one.
    public static func record(_ value: Tensor, op: String, parents: [Variable],
                              vjp: @escaping (Tensor) -> [Tensor?]) -> Variable {
        guard GradMode.isEnabled, parents.contains(where: { $0.requiresGrad }) else { return Variable(value) }
        return Variable(value: value, op: op, parents: parents, vjp: vjp)
    }

    /// The shape of `value`.
    public var shape: [Int] { value.shape }

    /// The rank of `value`.
    public var rank: Int { value.rank }

    /// True for inputs, parameters and constants (no recorded op).
    public var isLeaf: Bool { vjp == nil }

    /// The same value cut from the graph: no gradient flows back through the result.
    public func detach() -> Variable { Variable(value) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Back-propagates from this scalar (one-element) variable, adding d(self)/d(leaf) into
    /// `grad` of every leaf that requires a gradient.
    public func backward() {
        precondition(value.count == 1, "backward: needs a scalar loss, got shape \(shape)")
        backward(seed: Tensor(repeating: 1, shape: shape))
    }

    /// Back-propagates `seed` (the gradient of some scalar with respect to this variable, in its shape).
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from \(shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        for node in order.reversed() {
            // Taking the gradient out frees it as soon as the node has passed it on.
            guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let vjp = node.vjp else {
                node.accumulate(g)
                continue
            }
            let inputGrads = vjp(g)
            precondition(inputGrads.count == node.parents.count,
                         "backward: \(node.op ?? "op") returned \(inputGrads.count) gradients for \(node.parents.count) inputs")
            for (parent, pg) in zip(node.parents, inputGrads) where parent.requiresGrad {
                guard let pg else { continue }
                precondition(pg.shape == parent.shape,
                             "backward: \(node.op ?? "op") gave gradient of shape \(pg.shape) for input of shape \(parent.shape)")
                let key = ObjectIdentifier(parent)
                if let existing = grads[key] { grads[key] = existing + pg } else { grads[key] = pg }
            }
        }
    }

    private func accumulate(_ g: Tensor) {
        // A fresh copy, because `g` may share storage with another leaf's gradient (the vjp of
        // `a + b` hands the same tensor to both) and optimizers update gradients in place.
        if let existing = grad { grad = existing + g } else { grad = g.copy() }
    }

    /// Nodes that require gradients reachable from `self`, each after all of its parents.
    /// Iterative, so deep graphs do not exhaust the stack.
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                let p = node.parents[next]
                if p.requiresGrad && visited.insert(ObjectIdentifier(p)).inserted { stack.append((p, 0)) }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
