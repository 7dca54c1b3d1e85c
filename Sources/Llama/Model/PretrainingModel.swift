import Autograd
import Foundation
import Tensor

/// A Llama model whose every weight trains: embedding, norms, the seven linear layers of each
/// decoder layer and the output head, each a leaf `Variable`.
///
/// `model` is an ordinary `LlamaModel` sharing storage with those variables, so it generates
/// and embeds with the current weights while `AdamW` updates them in place.
public final class TrainableLlama: LinearProvider {
    public let config: LlamaConfig
    public let model: LlamaModel
    /// Every weight by Hugging Face name (`model.layers.0.self_attn.q_proj.weight`).
    public let variables: [String: Variable]

    /// A freshly initialised model, as transformers' `LlamaPreTrainedModel._init_weights` does it:
    /// linear and embedding weights normal with standard deviation `std`, norm weights one. Draws
    /// tensors in name order from `seed`.
    public convenience init(config: LlamaConfig, seed: UInt64, std: Float = 0.02) {
        var rng = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (name, shape) in config.expectedShapes().sorted(by: { $0.key < $1.key }) {
            weights[name] = name.hasSuffix("norm.weight") ? Tensor(repeating: 1, shape: shape) : Tensor.normal(shape, std: std, generator: &rng)
        }
        self.init(config: config, weights: weights)
    }

    /// Continues training the given dense weights (they are copied).
    public init(config: LlamaConfig, weights: [String: Tensor]) {
        let expected = config.expectedShapes()
        for (name, shape) in expected {
            precondition(weights[name]?.shape == shape, "TrainableLlama: \(name) has shape \(weights[name]?.shape ?? []), the config needs \(shape)")
        }
        let variables = Dictionary(uniqueKeysWithValues: expected.keys.map { ($0, Variable(weights[$0]!.copy(), requiresGrad: true)) })
        let linearPaths = Set(config.linearModulePaths())
        var tensors: [String: Tensor] = [:], linears: [String: any FrozenLinear] = [:]
        for (name, v) in variables {
            let module = String(name.dropLast(".weight".count))
            if linearPaths.contains(module) { linears[module] = DenseLinear(weight: v.value) } else { tensors[name] = v.value }
        }
        self.config = config
        self.variables = variables
        model = LlamaModel(config: config, tensors: tensors, linears: linears)
    }

    /// The trainable variables in name order.
    public var parameters: [(name: String, variable: Variable)] {
        variables.keys.sorted().map { ($0, variables[$0]!) }
    }

    public func apply(_ path: String, _ x: Variable) -> Variable {
        guard let w = variables[path + ".weight"] else { preconditionFailure("TrainableLlama: no linear layer \(path)") }
        return x.linear(w)
    }

    /// Logits [batch, seq, vocab] with gradients reaching every weight.
    public func forward(_ ids: [[Int]], attentionMask: [[Int]]? = nil) -> Variable {
        model.forward(ids, attentionMask: attentionMask, linears: self, parameters: variables)
    }

    /// Saves a Hugging Face model directory: `config.json` and `model.safetensors` (float32),
    /// both written atomically; `HuggingFaceLoader.load(directory:)` and transformers read it.
    public func save(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: config.json(), options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(json, to: directory.appendingPathComponent("config.json"))
        try SafeTensorsWriter.write(parameters.map { .init(name: $0.name, tensor: $0.variable.value) }, metadata: ["format": "pt"],
                                    to: directory.appendingPathComponent("model.safetensors"))
    }
}
