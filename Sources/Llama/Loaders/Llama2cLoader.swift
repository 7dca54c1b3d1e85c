import Foundation
import Tensor

/// Loads a llama2.c checkpoint (the legacy version-0 layout of `export.py`): seven int32
/// (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), then float32 weights.
/// A negative vocab_size means the file carries a separate classifier; otherwise the output head
/// shares the token embedding. q and k are converted from Meta's interleaved RoPE layout.
public enum Llama2cLoader {
    public static func load(path: String) throws -> LlamaModel {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: path, field: field, message: message) }
        guard bytes.count >= 28 else { throw fail("header", "file is \(bytes.count) bytes, shorter than the 28-byte header") }
        let h = (0..<7).map { Int(bytes.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self).littleEndian) }
        let (dim, hidden, layers, heads, kvHeads, vocabRaw, seqLen) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6])
        let shared = vocabRaw > 0
        let config = LlamaConfig(hiddenSize: dim, intermediateSize: hidden, numLayers: layers, numHeads: heads, numKVHeads: kvHeads,
                                 vocabSize: abs(vocabRaw), rmsNormEps: 1e-5, ropeTheta: 10000, maxPositions: seqLen,
                                 tieWordEmbeddings: shared)
        try config.validate(file: path)
        let headDim = dim / heads, kvDim = kvHeads * headDim, vocab = abs(vocabRaw)
        // The layout, in order: name, per-layer count (nil for global), shape.
        var layout: [(String, Bool, [Int])] = [
            ("embed", false, [vocab, dim]), ("rms_att", true, [dim]), ("wq", true, [dim, dim]), ("wk", true, [kvDim, dim]),
            ("wv", true, [kvDim, dim]), ("wo", true, [dim, dim]), ("rms_ffn", true, [dim]), ("w1", true, [hidden, dim]),
            ("w2", true, [dim, hidden]), ("w3", true, [hidden, dim]), ("rms_final", false, [dim]),
            ("freq_cis", false, [seqLen, headDim]),
        ]
        if !shared { layout.append(("wcls", false, [vocab, dim])) }
        var needed = 28
        for (_, perLayer, shape) in layout { needed += 4 * Shape.count(shape) * (perLayer ? layers : 1) }
        guard bytes.count >= needed else {
            throw fail("weights", "file is \(bytes.count) bytes, the header's shapes need \(needed) (truncated file?)")
        }
        var offset = 28
        var blocks: [String: [Tensor]] = [:]
        for (name, perLayer, shape) in layout {
            for _ in 0..<(perLayer ? layers : 1) {
                let n = Shape.count(shape)
                let t = Tensor(zeros: shape)
                UnsafeMutableRawPointer(t.storage.pointer).copyMemory(from: bytes.baseAddress! + offset, byteCount: 4 * n)
                blocks[name, default: []].append(t)
                offset += 4 * n
            }
        }
        var w: [String: Tensor] = ["model.embed_tokens.weight": blocks["embed"]![0], "model.norm.weight": blocks["rms_final"]![0]]
        if let cls = blocks["wcls"] { w["lm_head.weight"] = cls[0] }
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            w[p + "input_layernorm.weight"] = blocks["rms_att"]![l]
            w[p + "post_attention_layernorm.weight"] = blocks["rms_ffn"]![l]
            w[p + "self_attn.q_proj.weight"] = MetaRoPEPermutation.toHalves(blocks["wq"]![l], heads: heads)
            w[p + "self_attn.k_proj.weight"] = MetaRoPEPermutation.toHalves(blocks["wk"]![l], heads: kvHeads)
            w[p + "self_attn.v_proj.weight"] = blocks["wv"]![l]
            w[p + "self_attn.o_proj.weight"] = blocks["wo"]![l]
            w[p + "mlp.gate_proj.weight"] = blocks["w1"]![l]
            w[p + "mlp.down_proj.weight"] = blocks["w2"]![l]
            w[p + "mlp.up_proj.weight"] = blocks["w3"]![l]
        }
        return try LlamaModel(config: config, weights: w, file: path)
    }
}
