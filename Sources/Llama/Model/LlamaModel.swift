import Autograd
import Foundation
import Tensor

/// A Llama-2 decoder in fp32, readable top to bottom like llama2.c's `run.c`.
///
/// Parameters are addressed by their Hugging Face names. The seven linear layers of each decoder
/// layer are `FrozenLinear`s (dense or 4-bit) reached through a `LinearProvider`, so LoRA
/// adapters wrap them without touching the model. The same forward serves training (it is
/// built from Autograd ops) and inference (under `noGrad`, with a `KVCache`).
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    /// Embedding, norms and output head, by Hugging Face name.
    public let tensors: [String: Tensor]
    /// The linear layers by module path (`model.layers.0.self_attn.q_proj`).
    public let linears: [String: any FrozenLinear]
    /// The output head for decoding (one token per sequence), in place of the fp32 one
    /// (`withDecodeHead`); a forward of several tokens per sequence, such as a prompt's, always
    /// uses the fp32 head.
    public let decodeHead: (any FrozenLinear)?
    let ropeCos: Tensor, ropeSin: Tensor

    public init(config: LlamaConfig, tensors: [String: Tensor], linears: [String: any FrozenLinear], decodeHead: (any FrozenLinear)? = nil) {
        precondition(decodeHead == nil || (decodeHead!.inFeatures == config.hiddenSize && decodeHead!.outFeatures == config.vocabSize),
                     "LlamaModel: the decode head must be [\(config.vocabSize), \(config.hiddenSize)]")
        self.config = config
        self.tensors = tensors
        self.linears = linears
        self.decodeHead = decodeHead
        (ropeCos, ropeSin) = RoPE.tables(headDim: config.headDim, maxPositions: config.maxPositions, theta: config.ropeTheta)
    }

    /// A model from weights named as in a Hugging Face checkpoint: linear layers found in
    /// `quantized` become `QuantizedLinear`s, the rest `DenseLinear`s. Throws naming `file` if a
    /// tensor is missing or misshapen, or if a tensor other than a decoder linear weight is quantized.
    public convenience init(config: LlamaConfig, weights: [String: Tensor], quantized: [String: QuantizedTensor] = [:], file: String) throws {
        var expected = config.expectedShapes()
        if config.tieWordEmbeddings { expected["lm_head.weight"] = nil }
        let linearPaths = Set(config.linearModulePaths())
        for (name, q) in quantized.sorted(by: { $0.key < $1.key }) where expected[name] != nil {
            guard name.hasSuffix(".weight"), linearPaths.contains(String(name.dropLast(".weight".count))) else {
                throw FormatError(file: file, field: name, message: "is 4-bit quantized, but only the decoder's linear layers may be")
            }
            guard q.shape == expected[name] else {
                throw FormatError(file: file, field: name, message: "quantized shape \(q.shape) disagrees with the config, which needs \(expected[name]!)")
            }
        }
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) where quantized[name] == nil {
            guard let t = weights[name] else { throw FormatError(file: file, field: name, message: "tensor is missing") }
            guard t.shape == shape else { throw FormatError(file: file, field: name, message: "shape \(t.shape) disagrees with the config, which needs \(shape)") }
        }
        var tensors: [String: Tensor] = [:], linears: [String: any FrozenLinear] = [:]
        for name in expected.keys {
            let module = String(name.dropLast(".weight".count))
            if let q = quantized[name] {
                linears[module] = QuantizedLinear(weight: q)
            } else if linearPaths.contains(module) {
                linears[module] = DenseLinear(weight: weights[name]!)
            } else {
                tensors[name] = weights[name]!
            }
        }
        self.init(config: config, tensors: tensors, linears: linears)
    }

    var embedding: Tensor { tensors["model.embed_tokens.weight"]! }
    var outputHead: Tensor { tensors["lm_head.weight"] ?? embedding }

    /// Logits [batch, seq, vocab] for `ids` [batch][seq].
    ///
    /// - `positions`: one position per token, row-major [batch * seq]; by default `cache.length + t`
    ///   (what transformers uses in a plain forward).
    /// - `attentionMask`: per key position, 1 to attend and 0 for padding ([batch][cache + seq]);
    ///   padded keys get the most negative float, as transformers does, so fully padded rows stay finite.
    /// - `cache`: when given, keys and values are appended to it and attention covers the cached positions.
    /// - `linears`: the linear layers to use (adapters); the model's own by default.
    /// - `parameters`: variables standing in for the embedding, norm and head tensors of the same
    ///   name, so that full-parameter training receives their gradients (`TrainableLlama`).
    public func forward(_ ids: [[Int]], positions: [Int]? = nil, attentionMask: [[Int]]? = nil, cache: KVCache? = nil,
                        linears provider: LinearProvider? = nil, checkpointLayers: Bool = false,
                        parameters: [String: Variable]? = nil) -> Variable {
        let hidden = hiddenStates(ids, positions: positions, attentionMask: attentionMask, cache: cache, linears: provider,
                                  checkpointLayers: checkpointLayers, parameters: parameters)
        let headName = config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"
        if let head = parameters?[headName] { return hidden.linear(head) }
        // One token per sequence is decoding: the decode head, for one sequence or several side by side.
        if let decodeHead, hidden.shape[1] == 1 { return hidden.linear(frozen: decodeHead) }
        return hidden.linear(frozen: DenseLinear(weight: outputHead))
    }

    /// The final-norm hidden states [batch, seq, hidden] that the output head reads; the
    /// arguments are those of `forward`.
    ///
    /// With `checkpointLayers`, each decoder layer keeps no activations for the backward pass and
    /// is recomputed there instead (gradient checkpointing), trading a second forward for memory.
    public func hiddenStates(_ ids: [[Int]], positions: [Int]? = nil, attentionMask: [[Int]]? = nil, cache: KVCache? = nil,
                             linears provider: LinearProvider? = nil, checkpointLayers: Bool = false,
                             parameters: [String: Variable]? = nil) -> Variable {
        // A checkpointed layer differentiates only its input, so overridden weights would get no gradient.
        precondition(parameters == nil || !checkpointLayers, "LlamaModel.forward: parameters cannot be combined with checkpointLayers")
        let batch = ids.count, seq = ids.first?.count ?? 0
        precondition(batch > 0 && seq > 0 && ids.allSatisfy { $0.count == seq }, "LlamaModel.forward: ids must be a non-empty rectangle")
        precondition(ids.joined().allSatisfy { $0 >= 0 && $0 < config.vocabSize }, "LlamaModel.forward: a token id is outside the vocabulary of \(config.vocabSize)")
        let past = cache?.length ?? 0
        let pos = positions ?? (0..<batch).flatMap { _ in (past..<(past + seq)) }
        precondition(pos.count == batch * seq, "LlamaModel.forward: \(pos.count) positions for \(batch) x \(seq) tokens")
        let layers = provider ?? BaseLinears(layers: linears)
        let padMask = attentionMask.map { Self.additiveMask($0, queries: seq, keys: past + seq) }

        var x = weight("model.embed_tokens.weight", parameters).embedding(Array(ids.joined()), indexShape: [batch, seq])
        for l in 0..<config.numLayers {
            if checkpointLayers && cache == nil {
                // Recompute the layer in the backward pass; its random draws (dropout) replay from
                // the state the forward started with, and the live stream is left where the forward left it.
                let start = layers.randomState()
                var recomputing = false
                x = Variable.checkpoint([x]) { inputs in
                    let live = layers.randomState()
                    layers.restoreRandomState(start)
                    let out = self.decoderLayer(l, inputs[0], positions: pos, padMask: padMask, cache: nil, linears: layers)
                    if recomputing { layers.restoreRandomState(live) }
                    recomputing = true
                    return out
                }
            } else {
                x = decoderLayer(l, x, positions: pos, padMask: padMask, cache: cache, linears: layers, parameters: parameters)
            }
        }
        return x.rmsNorm(weight: weight("model.norm.weight", parameters), eps: config.rmsNormEps)
    }

    /// One decoder layer: attention with RoPE and grouped key/value heads, then the SwiGLU MLP,
    /// each behind an RMSNorm and a residual connection.
    func decoderLayer(_ l: Int, _ input: Variable, positions pos: [Int], padMask: Tensor?, cache: KVCache?, linears layers: LinearProvider,
                      parameters: [String: Variable]? = nil) -> Variable {
        let (batch, seq) = (input.shape[0], input.shape[1])
        let (h, d, kvh, hd) = (config.numHeads, config.hiddenSize, config.numKVHeads, config.headDim)
        let p = "model.layers.\(l)."
        var x = input
        let normed = x.rmsNorm(weight: weight(p + "input_layernorm.weight", parameters), eps: config.rmsNormEps)
        let q = layers.apply(p + "self_attn.q_proj", normed).reshaped([batch, seq, h, hd]).permuted([0, 2, 1, 3])
            .rope(cos: ropeCos, sin: ropeSin, positions: pos)
        var k = layers.apply(p + "self_attn.k_proj", normed).reshaped([batch, seq, kvh, hd]).permuted([0, 2, 1, 3])
            .rope(cos: ropeCos, sin: ropeSin, positions: pos)
        var v = layers.apply(p + "self_attn.v_proj", normed).reshaped([batch, seq, kvh, hd]).permuted([0, 2, 1, 3])
        if let cache {
            let (allK, allV) = cache.append(layer: l, keys: k.value, values: v.value)
            k = Variable(allK)
            v = Variable(allV)
        }
        let attended = padMask.map { Self.maskedAttention(q: q, k: k, v: v, mask: $0) } ?? Variable.causalAttention(q: q, k: k, v: v)
        x = x + layers.apply(p + "self_attn.o_proj", attended.permuted([0, 2, 1, 3]).reshaped([batch, seq, d]))
        let normed2 = x.rmsNorm(weight: weight(p + "post_attention_layernorm.weight", parameters), eps: config.rmsNormEps)
        let gated = Variable.swiglu(gate: layers.apply(p + "mlp.gate_proj", normed2), up: layers.apply(p + "mlp.up_proj", normed2))
        return x + layers.apply(p + "mlp.down_proj", gated)
    }

    /// The override of the non-linear tensor `name` in `parameters`, or the model's own, frozen.
    func weight(_ name: String, _ parameters: [String: Variable]?) -> Variable { parameters?[name] ?? Variable(tensors[name]!) }

    /// [batch, 1, queries, keys] additive mask: causal (query i sees keys up to i + keys - queries)
    /// and padding (keys whose mask entry is 0).
    static func additiveMask(_ mask: [[Int]], queries: Int, keys: Int) -> Tensor {
        precondition(mask.allSatisfy { $0.count == keys }, "LlamaModel.forward: attention mask rows must cover \(keys) positions")
        let out = Tensor(zeros: [mask.count, 1, queries, keys])
        let p = out.storage.pointer
        let blocked = -Float.greatestFiniteMagnitude
        for (b, row) in mask.enumerated() {
            for i in 0..<queries {
                for j in 0..<keys where j > i + keys - queries || row[j] == 0 {
                    p[(b * queries + i) * keys + j] = blocked
                }
            }
        }
        return out
    }

    /// Attention with an explicit additive mask and grouped key/value heads (`repeat_kv`).
    static func maskedAttention(q: Variable, k: Variable, v: Variable, mask: Tensor) -> Variable {
        let (b, h, t, hd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (kvh, s) = (k.shape[1], k.shape[2])
        let rep = h / kvh
        let grouped = q.reshaped([b, kvh, rep * t, hd])
        let scores = (grouped.matmul(k.transposed()) * (1 / Float(hd).squareRoot())).reshaped([b, h, t, s])
        let weights = (scores + Variable(mask)).softmax(axis: -1).reshaped([b, kvh, rep * t, s])
        return weights.matmul(v).reshaped([b, h, t, hd])
    }

    /// Next-token logits [batch, vocab] after each row's last real token, without building a graph:
    /// `ids` are right-padded to one length and `lengths` says how much of each row is real. Causal
    /// attention keeps a row's real positions blind to the padding after them, so no mask is
    /// needed, and the fp32 output head (a prompt's, as in `forward`) runs on those rows alone.
    public func lastLogits(_ ids: [[Int]], lengths: [Int], cache: KVCache? = nil, linears: LinearProvider? = nil) -> Tensor {
        precondition(lengths.count == ids.count && zip(lengths, ids).allSatisfy { $0 >= 1 && $0 <= $1.count },
                     "LlamaModel.lastLogits: one length in 1...row length per row")
        return noGrad {
            let hidden = hiddenStates(ids, cache: cache, linears: linears).value
            let rows = Tensor(zeros: [ids.count, config.hiddenSize])
            for (b, n) in lengths.enumerated() { rows.select(axis: 0, b).assign(hidden.select(axis: 0, b).select(axis: 0, n - 1)) }
            return Variable(rows).linear(frozen: DenseLinear(weight: outputHead)).value
        }
    }

    /// Logits [seq, vocab] of one sequence, without building a graph.
    public func logits(_ ids: [Int], linears: LinearProvider? = nil) -> Tensor {
        noGrad { forward([ids], linears: linears).value.reshaped([ids.count, config.vocabSize]) }
    }

    /// Parameter count (linear layers counted at their dense size).
    public var parameterCount: Int {
        tensors.values.reduce(0) { $0 + $1.count } + linears.values.reduce(0) { $0 + $1.inFeatures * $1.outFeatures }
    }
}
