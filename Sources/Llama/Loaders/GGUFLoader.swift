import Foundation
import Tensor

/// Builds a `LoadedModel` from a GGUF file with `general.architecture = llama` and llama.cpp's
/// tensor names (`token_embd`, `blk.N.attn_q`, ...). q/k are stored in Meta's interleaved layout
/// and are reordered to rotate-half here.
public enum GGUFLoader {
    /// The model in a mapped GGUF file; throws naming the file and the key or tensor at fault.
    public static func load(_ mapped: MappedFile) throws -> LoadedModel {
        let file = try GGUFFile(mapped)
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

        var w: [String: Tensor] = [:]
        func put(_ gguf: String, _ hf: String, _ transform: (Tensor) -> Tensor = { $0 }) throws {
            w[hf] = transform(try file.tensor(gguf))
        }
        try put("token_embd.weight", "model.embed_tokens.weight")
        try put("output_norm.weight", "model.norm.weight")
        if !config.tieWordEmbeddings { try put("output.weight", "lm_head.weight") }
        for l in 0..<config.numLayers {
            let g = "blk.\(l).", h = "model.layers.\(l)."
            // Shapes are checked before the q/k reorder, which needs the config's row count.
            for (name, rows) in [("attn_q", config.hiddenSize), ("attn_k", config.kvDim)] {
                guard let info = file.tensors[g + name + ".weight"] else { throw fail(g + name + ".weight", "tensor is missing") }
                guard info.shape == [rows, config.hiddenSize] else {
                    throw fail(g + name + ".weight", "shape \(info.shape) disagrees with the config, which needs \([rows, config.hiddenSize])")
                }
            }
            try put(g + "attn_norm.weight", h + "input_layernorm.weight")
            try put(g + "attn_q.weight", h + "self_attn.q_proj.weight") { interleavedToRotateHalf($0, heads: config.numHeads) }
            try put(g + "attn_k.weight", h + "self_attn.k_proj.weight") { interleavedToRotateHalf($0, heads: config.numKVHeads) }
            try put(g + "attn_v.weight", h + "self_attn.v_proj.weight")
            try put(g + "attn_output.weight", h + "self_attn.o_proj.weight")
            try put(g + "ffn_norm.weight", h + "post_attention_layernorm.weight")
            try put(g + "ffn_gate.weight", h + "mlp.gate_proj.weight")
            try put(g + "ffn_up.weight", h + "mlp.up_proj.weight")
            try put(g + "ffn_down.weight", h + "mlp.down_proj.weight")
        }
        let halves = file.tensors.values.contains { $0.type == .f16 }
        return try LoadedModel(config: config, weights: w, format: .gguf, path: path, storedBytesPerParameter: halves ? 2 : 4)
    }
}
