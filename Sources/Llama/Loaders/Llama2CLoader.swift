import Foundation
import Tensor

/// Reads a legacy llama2.c checkpoint: seven int32 (dim, hidden_dim, n_layers, n_heads,
/// n_kv_heads, vocab_size, seq_len; a negative vocab_size means an untied classifier follows the
/// weights), then float32 arrays layer-stacked in run.c's order.
public enum Llama2CLoader {
    /// The model in a mapped llama2.c checkpoint; throws naming the file and the array at fault.
    public static func load(_ file: MappedFile) throws -> LoadedModel {
        let path = file.path, bytes = file.bytes
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: path, field: field, message: message) }
        guard bytes.count >= 28 else { throw fail("header", "file is \(bytes.count) bytes, too short for the 28-byte llama2.c header") }
        let h = (0..<7).map { Int(bytes.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self).littleEndian) }
        let names = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]
        for (n, v) in zip(names, h) where v == 0 || (n != "vocab_size" && v < 0) || abs(v) > 1 << 24 {
            throw fail(n, "implausible header value \(v)")
        }
        let (dim, hidden, layers, heads, kvHeads, vocab) = (h[0], h[1], h[2], h[3], h[4], abs(h[5]))
        let config = LlamaConfig(hiddenSize: dim, intermediateSize: hidden, numLayers: layers, numHeads: heads,
                                 numKVHeads: kvHeads, vocabSize: vocab, rmsNormEps: 1e-5, ropeTheta: 10000,
                                 maxPositions: h[6], tieWordEmbeddings: h[5] > 0)
        try config.validate(file: path)
        let headDim = dim / heads, kvDim = kvHeads * headDim

        var offset = 28
        func take(_ name: String, _ shape: [Int]) throws -> Tensor {
            var n = 1
            for d in shape {
                let (p, o) = n.multipliedReportingOverflow(by: d)
                guard !o, p <= bytes.count else { throw fail(name, "shape \(shape) cannot fit in the \(bytes.count)-byte file (truncated?)") }
                n = p
            }
            guard offset + 4 * n <= bytes.count else {
                throw fail(name, "needs \(4 * n) bytes at offset \(offset), past the end of the \(bytes.count)-byte file (truncated?)")
            }
            let t = Tensor(zeros: shape)
            t.withUnsafeMutableBufferPointer { UnsafeMutableRawBufferPointer($0).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4 * n)])) }
            offset += 4 * n
            return t
        }
        var w: [String: Tensor] = [:]
        w["model.embed_tokens.weight"] = try take("token_embedding_table", [vocab, dim])
        func perLayer(_ name: String, _ hf: String, _ shape: [Int], _ transform: (Tensor) -> Tensor = { $0 }) throws {
            let all = try take(name, [layers] + shape)
            for l in 0..<layers { w["model.layers.\(l).\(hf).weight"] = transform(all.select(axis: 0, l).contiguous()) }
        }
        try perLayer("rms_att_weight", "input_layernorm", [dim])
        try perLayer("wq", "self_attn.q_proj", [dim, dim]) { interleavedToRotateHalf($0, heads: heads) }
        try perLayer("wk", "self_attn.k_proj", [kvDim, dim]) { interleavedToRotateHalf($0, heads: kvHeads) }
        try perLayer("wv", "self_attn.v_proj", [kvDim, dim])
        try perLayer("wo", "self_attn.o_proj", [dim, dim])
        try perLayer("rms_ffn_weight", "post_attention_layernorm", [dim])
        try perLayer("w1", "mlp.gate_proj", [hidden, dim])
        try perLayer("w2", "mlp.down_proj", [dim, hidden])
        try perLayer("w3", "mlp.up_proj", [hidden, dim])
        w["model.norm.weight"] = try take("rms_final_weight", [dim])
        _ = try take("freq_cis", [2, h[6], headDim / 2])
        if !config.tieWordEmbeddings { w["lm_head.weight"] = try take("wcls", [vocab, dim]) }
        return try LoadedModel(config: config, weights: w, format: .llama2c, path: path)
    }
}
