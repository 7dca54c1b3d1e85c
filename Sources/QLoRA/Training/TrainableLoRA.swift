import Autograd
import Llama
import Tensor

/// A LoRA adapter being trained on a frozen base: one `LoRALayer` per targeted linear layer,
/// the rest of the model untouched. It is the `LinearProvider` of the training forward.
public final class TrainableLoRA: LinearProvider {
    public let config: LoRAConfig
    public let layers: [String: LoRALayer]
    let base: BaseLinears
    /// Draws dropout masks while training; `nil` evaluates without dropout.
    public var dropoutGenerator: RandomGenerator?

    /// Fresh factors (A kaiming-uniform, B zero) for every module whose last name component is in
    /// `config.targetModules`, drawn in module order from `seed`.
    public convenience init(model: LlamaModel, config: LoRAConfig, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        var weights: [String: LoRAWeights] = [:]
        for path in model.linears.keys.sorted() where Self.isTarget(path, config.targetModules) {
            let base = model.linears[path]!
            weights[path] = LoRALayer.initialWeights(rank: config.r, inFeatures: base.inFeatures, outFeatures: base.outFeatures, generator: &rng)
        }
        self.init(model: model, adapter: LoRAAdapter(config: config, modules: weights))
    }

    /// Continues training `adapter` (a checkpoint or a PEFT adapter).
    public init(model: LlamaModel, adapter: LoRAAdapter) {
        config = adapter.config
        base = BaseLinears(layers: model.linears)
        var layers: [String: LoRALayer] = [:]
        for (path, w) in adapter.modules {
            layers[path] = LoRALayer(base: model.linears[path]!, weights: w, scaling: adapter.scaling, dropout: Float(adapter.config.dropout), name: path)
        }
        self.layers = layers
    }

    /// Throws unless every target of `config` names at least one linear layer of `model` and the rank
    /// fits each targeted layer: a target that matches nothing would train and save an empty adapter,
    /// and a rank above min(in, out) only allocates.
    public static func checkTargets(_ config: LoRAConfig, model: LlamaModel) throws {
        let paths = model.linears.keys.sorted()
        for target in config.targetModules where !paths.contains(where: { isTarget($0, [target]) }) {
            let valid = Set(paths.compactMap { $0.split(separator: ".").last.map(String.init) }).sorted()
            throw TrainingError.unknownTargetModule(name: target, valid: valid)
        }
        for path in paths where isTarget(path, config.targetModules) {
            let layer = model.linears[path]!
            let limit = min(layer.inFeatures, layer.outFeatures)
            if config.r > limit { throw TrainingError.rankTooLarge(r: config.r, module: path, limit: limit) }
        }
    }

    static func isTarget(_ path: String, _ targets: [String]) -> Bool {
        guard let last = path.split(separator: ".").last else { return false }
        return targets.contains(String(last)) || targets.contains(path)
    }

    public func apply(_ path: String, _ x: Variable) -> Variable {
        guard let layer = layers[path] else { return base.apply(path, x) }
        return layer(x, generator: &dropoutGenerator)
    }

    public func randomState() -> [UInt64]? { dropoutGenerator?.state }

    public func restoreRandomState(_ state: [UInt64]?) {
        if let state { dropoutGenerator = RandomGenerator(state: state) }
    }

    /// The trainable variables with their PEFT names, in a stable order.
    public var parameters: [(name: String, variable: Variable)] {
        layers.keys.sorted().flatMap { path in
            [(path + ".lora_A.weight", layers[path]!.a), (path + ".lora_B.weight", layers[path]!.b)]
        }
    }

    /// The current factors as an adapter that can be saved or merged.
    public var adapter: LoRAAdapter {
        LoRAAdapter(config: config, modules: layers.mapValues(\.weights), scaling: layers.values.first?.scaling)
    }
}
