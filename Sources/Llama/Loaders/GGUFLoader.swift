import Foundation
import Tensor

/// Builds a `LoadedModel` (or a `LlamaModel` whose projections stay in their blocks) from a GGUF file
/// with `general.architecture = llama` and llama.cpp's tensor names (`token_embd`, `blk.N.attn_q`, ...).
/// q/k are stored in Meta's interleaved layout and are reordered to rotate-half here.
public enum GGUFLoader {
    /// The model in a mapped GGUF file, every tensor dequantized to float32; throws naming the file
    /// and the key or tensor at fault.
    public static func load(_ mapped: MappedFile) throws -> LoadedModel {
        let file = try GGUFFile(mapped)
        let config = try config(file)
        var w = try weights(file, config)
        for (path, gguf, heads) in projections(config) {
            let t = try file.tensor(gguf)
            w[path + ".weight"] = heads.map { interleavedToRotateHalf(t, heads: $0) } ?? t
        }
        let halves = file.tensors.values.contains { $0.type == .f16 }
        return try LoadedModel(config: config, weights: w, format: .gguf, path: file.path, storedBytesPerParameter: halves ? 2 : 4)
    }

    /// The model with its decoder projections left in their GGUF blocks (`GGUFLinear`, q/k rows
    /// reordered by index) and the embedding, norms and head dequantized.
    public static func blockModel(_ mapped: MappedFile) throws -> LlamaModel {
        let file = try GGUFFile(mapped)
        let config = try config(file)
        let w = try weights(file, config)
        var expected = config.expectedShapes()
        if config.tieWordEmbeddings { expected["lm_head.weight"] = nil }
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) where w[name] != nil && w[name]!.shape != shape {
            throw FormatError(file: file.path, field: name, message: "shape \(w[name]!.shape) disagrees with the config, which needs \(shape)")
        }
        var linears: [String: any FrozenLinear] = [:]
        for (path, gguf, heads) in projections(config) {
            let shape = expected[path + ".weight"]!
            guard let info = file.tensors[gguf] else { throw FormatError(file: file.path, field: gguf, message: "tensor is missing") }
            guard info.shape == shape else {
                throw FormatError(file: file.path, field: gguf, message: "shape \(info.shape) disagrees with the config, which needs \(shape)")
            }
            linears[path] = try GGUFLinear(file: file, tensor: gguf, rowOrder: heads.map { interleavedToRotateHalfRows(shape[0], heads: $0) })
        }
        return LlamaModel(config: config, tensors: w, linears: linears)
    }

    /// The architecture from the metadata, validated.
    static func config(_ file: GGUFFile) throws -> LlamaConfig {
        let path = file.path, m = file.metadata
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: path, field: field, message: message) }
        let arch = m["general.architecture"]?.stringValue ?? "llama"
        guard arch == "llama" else { throw fail("general.architecture", "\(arch) is not llama") }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = m[key] { guard let i = v.intValue else { throw fail(key, "must be an integer") }; return i }
            if let value { return value }
            throw fail(key, "missing")
        }
        func float(_ key: String, default value: Float) throws -> Float {
            guard let v = m[key] else { return value }
            guard let f = v.floatValue else { throw fail(key, "must be a number") }
            return Float(f)
        }
        guard let embedding = file.tensors["token_embd.weight"] else { throw fail("token_embd.weight", "tensor is missing") }
        let heads = try int("llama.attention.head_count")
        let vocab = m["tokenizer.ggml.tokens"]?.arrayValue?.count ?? embedding.shape.first ?? 0
        let config = LlamaConfig(
            hiddenSize: try int("llama.embedding_length"), intermediateSize: try int("llama.feed_forward_length"),
            numLayers: try int("llama.block_count"), numHeads: heads,
            numKVHeads: try int("llama.attention.head_count_kv", default: heads), vocabSize: try int("llama.vocab_size", default: vocab),
            rmsNormEps: try float("llama.attention.layer_norm_rms_epsilon", default: 1e-5),
            ropeTheta: try float("llama.rope.freq_base", default: 10000), maxPositions: try int("llama.context_length", default: 2048),
            tieWordEmbeddings: file.tensors["output.weight"] == nil,
            bosTokenID: try int("tokenizer.ggml.bos_token_id", default: 1), eosTokenID: try int("tokenizer.ggml.eos_token_id", default: 2))
        try config.validate(file: path)
        return config
    }

    /// Every tensor but the decoder projections, dequantized, under its Hugging Face name; shapes of
    /// q/k are checked here because their reorder needs the config's row count.
    static func weights(_ file: GGUFFile, _ config: LlamaConfig) throws -> [String: Tensor] {
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: file.path, field: field, message: message) }
        var w: [String: Tensor] = [:]
        func put(_ gguf: String, _ hf: String) throws { w[hf] = try file.tensor(gguf) }
        try put("token_embd.weight", "model.embed_tokens.weight")
        try put("output_norm.weight", "model.norm.weight")
        if !config.tieWordEmbeddings { try put("output.weight", "lm_head.weight") }
        for l in 0..<config.numLayers {
            let g = "blk.\(l).", h = "model.layers.\(l)."
            for (name, rows) in [("attn_q", config.hiddenSize), ("attn_k", config.kvDim)] {
                guard let info = file.tensors[g + name + ".weight"] else { throw fail(g + name + ".weight", "tensor is missing") }
                guard info.shape == [rows, config.hiddenSize] else {
                    throw fail(g + name + ".weight", "shape \(info.shape) disagrees with the config, which needs \([rows, config.hiddenSize])")
                }
            }
            try put(g + "attn_norm.weight", h + "input_layernorm.weight")
            try put(g + "ffn_norm.weight", h + "post_attention_layernorm.weight")
        }
        return w
    }

    /// The seven projections of each layer: Hugging Face module path, GGUF tensor name, and the head
    /// count for q/k, whose rows go from interleaved to rotate-half.
    static func projections(_ config: LlamaConfig) -> [(String, String, Int?)] {
        (0..<config.numLayers).flatMap { l -> [(String, String, Int?)] in
            let g = "blk.\(l).", h = "model.layers.\(l)."
            return [(h + "self_attn.q_proj", g + "attn_q.weight", config.numHeads),
                    (h + "self_attn.k_proj", g + "attn_k.weight", config.numKVHeads),
                    (h + "self_attn.v_proj", g + "attn_v.weight", nil),
                    (h + "self_attn.o_proj", g + "attn_output.weight", nil),
                    (h + "mlp.gate_proj", g + "ffn_gate.weight", nil),
                    (h + "mlp.up_proj", g + "ffn_up.weight", nil),
                    (h + "mlp.down_proj", g + "ffn_down.weight", nil)]
        }
    }
}
