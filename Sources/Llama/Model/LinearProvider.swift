import Autograd

/// Supplies the linear layers of a forward pass by module path
/// (`model.layers.3.self_attn.q_proj`): the frozen base by default, or the base with adapters
/// (LoRA, blended adapters) when a caller passes its own provider.
public protocol LinearProvider {
    func apply(_ path: String, _ x: Variable) -> Variable
    /// The provider's random state (dropout), so a checkpointed layer recomputes with the same
    /// draws; `nil` for providers without randomness.
    func randomState() -> [UInt64]?
    func restoreRandomState(_ state: [UInt64]?)
}

extension LinearProvider {
    public func randomState() -> [UInt64]? { nil }
    public func restoreRandomState(_ state: [UInt64]?) {}
}

/// The model's own frozen layers, dense or quantized.
public struct BaseLinears: LinearProvider {
    public let layers: [String: any FrozenLinear]
    public init(layers: [String: any FrozenLinear]) { self.layers = layers }
    public func apply(_ path: String, _ x: Variable) -> Variable {
        guard let layer = layers[path] else { preconditionFailure("BaseLinears: no linear layer \(path)") }
        return x.linear(frozen: layer)
    }
}
