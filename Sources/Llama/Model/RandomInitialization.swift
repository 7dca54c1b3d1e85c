import Tensor

extension LlamaModel {
    /// A model with random weights (normal, standard deviation `std`, norms at 1), as
    /// transformers initialises a new `LlamaForCausalLM`; for benchmarks and tests of shapes.
    public static func randomlyInitialized(config: LlamaConfig, seed: UInt64, std: Float = 0.02) -> LlamaModel {
        var rng = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (name, shape) in config.expectedShapes().sorted(by: { $0.key < $1.key }) {
            weights[name] = name.hasSuffix("norm.weight") ? Tensor(repeating: 1, shape: shape) : Tensor.normal(shape, std: std, generator: &rng)
        }
        // The shapes come from the config itself, so they always agree.
        return try! LlamaModel(config: config, weights: weights, file: "random")
    }

    /// The same model with every decoder linear layer replaced by `transform`.
    public func replacingLinears(_ transform: (String, any FrozenLinear) throws -> any FrozenLinear) rethrows -> LlamaModel {
        var replaced: [String: any FrozenLinear] = [:]
        for (path, layer) in linears { replaced[path] = try transform(path, layer) }
        return LlamaModel(config: config, tensors: tensors, linears: replaced)
    }
}
