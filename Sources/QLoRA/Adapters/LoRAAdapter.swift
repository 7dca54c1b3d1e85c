import Tensor

/// The two low-rank factors of one adapted linear layer: delta W = scaling * B A.
public struct LoRAWeights: Sendable {
    /// [r, in]
    public var a: Tensor
    /// [out, r]
    public var b: Tensor

    public init(a: Tensor, b: Tensor) {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[1],
                     "LoRAWeights: A \(a.shape) and B \(b.shape) do not share a rank")
        self.a = a
        self.b = b
    }

    public var rank: Int { a.shape[0] }
    public var inFeatures: Int { a.shape[1] }
    public var outFeatures: Int { b.shape[0] }

    /// scaling * B A, the dense update this pair adds to the base weight.
    public func delta(scaling: Float) -> Tensor { b.matmul(a) * scaling }
}

/// A LoRA adapter: its configuration and the factors of every adapted module, keyed by the
/// module's Hugging Face path (`model.layers.3.self_attn.q_proj`).
public struct LoRAAdapter: Sendable {
    public var config: LoRAConfig
    public var modules: [String: LoRAWeights]
    /// Overrides `config.scaling` (merged adapters carry their weights inside A and use 1).
    public var scaling: Float

    public init(config: LoRAConfig, modules: [String: LoRAWeights], scaling: Float? = nil) {
        self.config = config
        self.modules = modules
        self.scaling = scaling ?? Float(config.scaling)
    }

    /// Module paths in a stable order.
    public var modulePaths: [String] { modules.keys.sorted() }
}
