import Foundation
import Tensor

/// The hyper-parameters of a Llama-2 model, with Hugging Face `config.json` names on the wire.
public struct LlamaConfig: Equatable, Sendable {
    /// `hidden_size`: the model width.
    public var hiddenSize: Int
    /// `intermediate_size`: the SwiGLU width.
    public var intermediateSize: Int
    /// `num_hidden_layers`.
    public var numLayers: Int
    /// `num_attention_heads`: query heads.
    public var numHeads: Int
    /// `num_key_value_heads`: key/value heads, shared by groups of query heads.
    public var numKVHeads: Int
    /// `vocab_size`.
    public var vocabSize: Int
    /// `rms_norm_eps`.
    public var rmsNormEps: Float
    /// `rope_theta`: the RoPE base.
    public var ropeTheta: Float
    /// `max_position_embeddings`: the context length.
    public var maxPositions: Int
    /// `tie_word_embeddings`: the output head reuses the token embedding.
    public var tieWordEmbeddings: Bool
    /// `bos_token_id`.
    public var bosTokenID: Int
    /// `eos_token_id`.
    public var eosTokenID: Int

    public init(hiddenSize: Int, intermediateSize: Int, numLayers: Int, numHeads: Int, numKVHeads: Int, vocabSize: Int,
                rmsNormEps: Float = 1e-5, ropeTheta: Float = 10000, maxPositions: Int = 2048, tieWordEmbeddings: Bool = false,
                bosTokenID: Int = 1, eosTokenID: Int = 2) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKVHeads = numKVHeads
        self.vocabSize = vocabSize
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.maxPositions = maxPositions
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    /// Width of one attention head.
    public var headDim: Int { hiddenSize / numHeads }
    /// Width of the key (or value) projection.
    public var kvDim: Int { headDim * numKVHeads }

    /// Checks the sizes hang together; `file` names the source in the error.
    public func validate(file: String) throws {
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: file, field: field, message: message) }
        // Upper bounds far above any real Llama keep a corrupt header from asking for terabytes or
        // hanging a loader (the GGUF fuzzer found both with huge context_length and block_count).
        for (name, v, limit) in [("hidden_size", hiddenSize, 1 << 20), ("intermediate_size", intermediateSize, 1 << 20),
                                 ("num_hidden_layers", numLayers, 4096), ("num_attention_heads", numHeads, 1 << 16),
                                 ("num_key_value_heads", numKVHeads, 1 << 16), ("vocab_size", vocabSize, 1 << 22),
                                 ("max_position_embeddings", maxPositions, 1 << 20)] where v <= 0 || v > limit {
            throw fail(name, "must be in 1...\(limit), got \(v)")
        }
        guard hiddenSize % numHeads == 0 else { throw fail("num_attention_heads", "\(numHeads) does not divide hidden_size \(hiddenSize)") }
        guard headDim % 2 == 0 else { throw fail("hidden_size", "head dimension \(headDim) must be even for RoPE") }
        guard numHeads % numKVHeads == 0 else { throw fail("num_key_value_heads", "\(numKVHeads) does not divide num_attention_heads \(numHeads)") }
        guard rmsNormEps > 0 else { throw fail("rms_norm_eps", "must be positive") }
        guard ropeTheta > 0 else { throw fail("rope_theta", "must be positive") }
    }

    /// Reads a Hugging Face `config.json` object.
    public init(json: [String: Any], file: String) throws {
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = json[key] as? Int { return v }
            if json[key] == nil, let value { return value }
            throw FormatError(file: file, field: key, message: json[key] == nil ? "missing" : "must be an integer")
        }
        func float(_ key: String, default value: Float) throws -> Float {
            guard let v = json[key] else { return value }
            guard let n = v as? NSNumber else { throw FormatError(file: file, field: key, message: "must be a number") }
            return n.floatValue
        }
        if let type = json["model_type"] as? String, type != "llama" && type != "mistral" {
            throw FormatError(file: file, field: "model_type", message: "\(type) is not a Llama-architecture model")
        }
        let heads = try int("num_attention_heads")
        // transformers 5 moved rope_theta into rope_parameters.
        var theta = try float("rope_theta", default: 10000)
        if json["rope_theta"] == nil, let rope = json["rope_parameters"] as? [String: Any] {
            if let type = rope["rope_type"] as? String, type != "default" {
                throw FormatError(file: file, field: "rope_parameters.rope_type", message: "RoPE scaling \(type) is not supported")
            }
            guard let t = (rope["rope_theta"] as? NSNumber)?.floatValue else {
                throw FormatError(file: file, field: "rope_parameters.rope_theta", message: "missing or not a number")
            }
            theta = t
        }
        // The decoder's MLP is SwiGLU; another activation would load and run, giving wrong outputs.
        if let act = json["hidden_act"], act as? String != "silu" {
            throw FormatError(file: file, field: "hidden_act", message: "\(act) is not supported; the Llama MLP here uses silu")
        }
        if let scaling = json["rope_scaling"], !(scaling is NSNull) {
            throw FormatError(file: file, field: "rope_scaling", message: "RoPE scaling is not supported")
        }
        self.init(hiddenSize: try int("hidden_size"), intermediateSize: try int("intermediate_size"),
                  numLayers: try int("num_hidden_layers"), numHeads: heads,
                  numKVHeads: try int("num_key_value_heads", default: heads), vocabSize: try int("vocab_size"),
                  rmsNormEps: try float("rms_norm_eps", default: 1e-6), ropeTheta: theta,
                  maxPositions: try int("max_position_embeddings", default: 2048),
                  tieWordEmbeddings: json["tie_word_embeddings"] as? Bool ?? false,
                  bosTokenID: (json["bos_token_id"] as? Int) ?? 1, eosTokenID: (json["eos_token_id"] as? Int) ?? 2)
        try validate(file: file)
        if let headDim = json["head_dim"] as? Int, headDim != self.headDim {
            throw FormatError(file: file, field: "head_dim", message: "\(headDim) differs from hidden_size / num_attention_heads = \(self.headDim)")
        }
    }

    /// The `config.json` object transformers reads.
    public func json() -> [String: Any] {
        ["architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hiddenSize, "intermediate_size": intermediateSize,
         "num_hidden_layers": numLayers, "num_attention_heads": numHeads, "num_key_value_heads": numKVHeads, "vocab_size": vocabSize,
         "rms_norm_eps": Double(rmsNormEps), "rope_theta": Double(ropeTheta), "max_position_embeddings": maxPositions,
         "tie_word_embeddings": tieWordEmbeddings, "bos_token_id": bosTokenID, "eos_token_id": eosTokenID,
         "hidden_act": "silu", "torch_dtype": "float32", "attention_bias": false, "mlp_bias": false]
    }

    /// The Hugging Face names and shapes of every tensor the model needs.
    public func expectedShapes() -> [String: [Int]] {
        var s: [String: [Int]] = ["model.embed_tokens.weight": [vocabSize, hiddenSize], "model.norm.weight": [hiddenSize]]
        if !tieWordEmbeddings { s["lm_head.weight"] = [vocabSize, hiddenSize] }
        for l in 0..<numLayers {
            let p = "model.layers.\(l)."
            s[p + "input_layernorm.weight"] = [hiddenSize]
            s[p + "post_attention_layernorm.weight"] = [hiddenSize]
            s[p + "self_attn.q_proj.weight"] = [hiddenSize, hiddenSize]
            s[p + "self_attn.k_proj.weight"] = [kvDim, hiddenSize]
            s[p + "self_attn.v_proj.weight"] = [kvDim, hiddenSize]
            s[p + "self_attn.o_proj.weight"] = [hiddenSize, hiddenSize]
            s[p + "mlp.gate_proj.weight"] = [intermediateSize, hiddenSize]
            s[p + "mlp.up_proj.weight"] = [intermediateSize, hiddenSize]
            s[p + "mlp.down_proj.weight"] = [hiddenSize, intermediateSize]
        }
        return s
    }

    /// Throws naming `file` and the tensor when one the config needs is missing or misshapen.
    public func checkWeights(_ weights: [String: Tensor], file: String) throws {
        for (name, shape) in expectedShapes().sorted(by: { $0.key < $1.key }) {
            guard let t = weights[name] else { throw FormatError(file: file, field: name, message: "tensor is missing") }
            guard t.shape == shape else {
                throw FormatError(file: file, field: name, message: "shape \(t.shape) disagrees with the config, which needs \(shape)")
            }
        }
    }

    /// Throws when `names` holds a tensor of a decoder layer at or beyond `numLayers`: a config that
    /// undercounts the file's layers would otherwise run a truncated model without a word.
    public func checkNoExtraLayers(_ names: some Sequence<String>, file: String) throws {
        let prefix = "model.layers."
        for name in names.sorted() where name.hasPrefix(prefix) {
            guard let layer = Int(name.dropFirst(prefix.count).prefix { $0 != "." }), layer >= numLayers else { continue }
            throw FormatError(file: file, field: name, message: "tensor of layer \(layer) exists, but num_hidden_layers is \(numLayers)")
        }
    }

    /// Module paths of the seven linear layers of every decoder layer.
    public func linearModulePaths() -> [String] {
        (0..<numLayers).flatMap { l in
            ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
                .map { "model.layers.\(l).\($0)" }
        }
    }
}
