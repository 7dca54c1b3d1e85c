import Foundation
import Tensor

/// The fp32 Llama-2 forward for inference, laid out like llama2.c's `run.c`: embed, then per layer
/// RMSNorm, q/k/v projections, RoPE, grouped-query causal attention over a `DecodeCache`, output
/// projection, RMSNorm, SwiGLU MLP; a final RMSNorm and the (tied or untied) head.
///
/// Every projection is a `FrozenLinear` (BLAS `sgemv`/`sgemm` for dense weights) so quantized or
/// adapted layers can be substituted through `replaceLinear`. Batches may be padded on either
/// side; padding is described by a 0/1 attention mask as in transformers.
public final class LlamaInference: @unchecked Sendable {
    /// The architecture the weights were checked against.
    public let config: LlamaConfig
    struct Layer {
        let attentionNorm: Tensor, mlpNorm: Tensor
        var q, k, v, o, gate, up, down: any FrozenLinear
    }
    var layers: [Layer]
    let embedding: Tensor
    let finalNorm: Tensor
    let head: any FrozenLinear
    let rope: RoPEAngles

    /// A model over weights named as in a Hugging Face checkpoint (q/k in rotate-half layout).
    /// Throws naming `file` and the tensor when one is missing or disagrees with `config`.
    public init(config: LlamaConfig, weights: [String: Tensor], file: String) throws {
        try config.checkWeights(weights, file: file)
        self.config = config
        func w(_ name: String) -> Tensor { weights[name]!.contiguous() }
        layers = (0..<config.numLayers).map { l in
            let p = "model.layers.\(l)."
            return Layer(attentionNorm: w(p + "input_layernorm.weight"), mlpNorm: w(p + "post_attention_layernorm.weight"),
                         q: DenseLinear(weight: w(p + "self_attn.q_proj.weight")), k: DenseLinear(weight: w(p + "self_attn.k_proj.weight")),
                         v: DenseLinear(weight: w(p + "self_attn.v_proj.weight")), o: DenseLinear(weight: w(p + "self_attn.o_proj.weight")),
                         gate: DenseLinear(weight: w(p + "mlp.gate_proj.weight")), up: DenseLinear(weight: w(p + "mlp.up_proj.weight")),
                         down: DenseLinear(weight: w(p + "mlp.down_proj.weight")))
        }
        embedding = w("model.embed_tokens.weight")
        finalNorm = w("model.norm.weight")
        head = DenseLinear(weight: config.tieWordEmbeddings ? embedding : w("lm_head.weight"))
        rope = RoPEAngles(headDim: config.headDim, theta: config.ropeTheta)
    }

    /// A model over a checkpoint read by `ModelLoader`.
    public convenience init(_ loaded: LoadedModel) throws {
        try self.init(config: loaded.config, weights: loaded.weights, file: loaded.path)
    }

    /// Swaps one projection (`"model.layers.3.self_attn.q_proj"`, say) for another implementation
    /// of the same shape: a quantized or LoRA-adapted layer.
    public func replaceLinear(_ module: String, with layer: any FrozenLinear) {
        let parts = module.split(separator: ".")
        precondition(parts.count == 5 && parts[0] == "model" && parts[1] == "layers", "replaceLinear: \(module) is not a decoder projection")
        guard let l = Int(parts[2]), l >= 0, l < layers.count else { preconditionFailure("replaceLinear: no layer in \(module)") }
        let old: any FrozenLinear
        switch String(parts[4]) {
        case "q_proj": old = layers[l].q; layers[l].q = layer
        case "k_proj": old = layers[l].k; layers[l].k = layer
        case "v_proj": old = layers[l].v; layers[l].v = layer
        case "o_proj": old = layers[l].o; layers[l].o = layer
        case "gate_proj": old = layers[l].gate; layers[l].gate = layer
        case "up_proj": old = layers[l].up; layers[l].up = layer
        case "down_proj": old = layers[l].down; layers[l].down = layer
        default: preconditionFailure("replaceLinear: unknown projection \(module)")
        }
        precondition(old.inFeatures == layer.inFeatures && old.outFeatures == layer.outFeatures,
                     "replaceLinear: \(module) is [\(old.outFeatures), \(old.inFeatures)], replacement is [\(layer.outFeatures), \(layer.inFeatures)]")
    }

    /// An empty cache for `batch` sequences of up to `capacity` positions (default: the model's context).
    public func makeCache(batch: Int = 1, capacity: Int? = nil) -> DecodeCache {
        DecodeCache(layers: config.numLayers, batch: batch, kvHeads: config.numKVHeads, headDim: config.headDim,
                    capacity: capacity ?? config.maxPositions)
    }

    /// Logits [T, vocab] for one unpadded sequence.
    public func logits(ids: [Int]) -> Tensor {
        let cache = makeCache(batch: 1, capacity: ids.count)
        return step([ids], attentionMask: nil, cache: cache).reshaped([ids.count, config.vocabSize])
    }

    /// Logits [B, T, vocab] for a padded batch; `attentionMask` [B][T] is 1 for real tokens and 0
    /// for padding (left or right). Positions count real tokens only (cumsum(mask) - 1), as
    /// transformers' `generate` does; rows at padded positions are meaningless.
    public func logits(batch: [[Int]], attentionMask: [[Int]]) -> Tensor {
        let t = batch.first?.count ?? 0
        return step(batch, attentionMask: attentionMask, cache: makeCache(batch: batch.count, capacity: t))
    }

    /// Runs `ids` [B][T] after whatever `cache` holds, appends their keys and values, and returns
    /// logits [B, T, vocab]. `attentionMask` [B][T] marks this step's padding (all 1 when nil).
    public func step(_ ids: [[Int]], attentionMask: [[Int]]?, cache: DecodeCache) -> Tensor {
        let b = ids.count, t = ids.first?.count ?? 0
        precondition(b == cache.batch, "LlamaInference.step: \(b) rows for a cache of batch \(cache.batch)")
        precondition(t > 0 && ids.allSatisfy { $0.count == t }, "LlamaInference.step: ids must be a non-empty rectangle")
        precondition(cache.length + t <= cache.capacity, "LlamaInference.step: \(cache.length) + \(t) positions exceed the cache capacity \(cache.capacity)")
        let mask = attentionMask ?? Array(repeating: Array(repeating: 1, count: t), count: b)
        precondition(mask.count == b && mask.allSatisfy { $0.count == t }, "LlamaInference.step: attention mask must be [\(b)][\(t)]")
        let (d, heads, kvHeads, hd) = (config.hiddenSize, config.numHeads, config.numKVHeads, config.headDim)
        let group = heads / kvHeads, rows = b * t, start = cache.length

        var positions = [Int](repeating: 0, count: rows)
        for r in 0..<b {
            var p = cache.lastPosition[r]
            for j in 0..<t {
                if mask[r][j] != 0 { p += 1; positions[r * t + j] = p } else { positions[r * t + j] = 1 }
            }
            cache.lastPosition[r] = p
            cache.keyMask[r].append(contentsOf: mask[r])
        }
        cache.length += t

        let flat = ids.joined().map { id -> Int in
            precondition(id >= 0 && id < config.vocabSize, "LlamaInference.step: token id \(id) outside the vocabulary of \(config.vocabSize)")
            return id
        }
        let (ropeCos, ropeSin) = rope.tables(positions)
        let half = rope.half
        let x = embedding.gatherRows(flat).contiguous()
        let normed = Tensor(zeros: [rows, d])
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: cache.capacity * heads)
        defer { scores.deallocate() }

        for (l, layer) in layers.enumerated() {
            norm(x, layer.attentionNorm, into: normed)
            let qkv = project([layer.q, layer.k, layer.v], normed)
            let (q, k, v) = (qkv[0], qkv[1], qkv[2])
            q.withUnsafeMutableBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    v.withUnsafeBufferPointer { vp in
                        let kMut = UnsafeMutablePointer(mutating: kp.baseAddress!)
                        for r in 0..<rows {
                            ropeCos.withUnsafeBufferPointer { c in
                                ropeSin.withUnsafeBufferPointer { s in
                                    rope.apply(qp.baseAddress! + r * d, heads: heads, cos: c.baseAddress! + r * half, sin: s.baseAddress! + r * half)
                                    rope.apply(kMut + r * kvHeads * hd, heads: kvHeads, cos: c.baseAddress! + r * half, sin: s.baseAddress! + r * half)
                                }
                            }
                            let row = r / t, slot = start + r % t
                            for h in 0..<kvHeads {
                                let o = cache.offset(row: row, head: h, slot: slot)
                                (cache.keys[l] + o).update(from: kp.baseAddress! + r * kvHeads * hd + h * hd, count: hd)
                                (cache.values[l] + o).update(from: vp.baseAddress! + r * kvHeads * hd + h * hd, count: hd)
                            }
                        }
                    }
                }
            }
            let attended = Tensor(zeros: [rows, d])
            q.withUnsafeBufferPointer { qp in
                attended.withUnsafeMutableBufferPointer { ap in
                    let qBase = qp.baseAddress!, aBase = ap.baseAddress!
                    let work = rows * heads
                    Parallel.forRanges(work, minimumPerThread: max(1, 65536 / max(1, (start + t) * hd))) { range in
                        let local = UnsafeMutablePointer<Float>.allocate(capacity: start + t)
                        defer { local.deallocate() }
                        for job in range {
                            let r = job / heads, h = job % heads, row = r / t, slot = start + r % t
                            let keyMask = cache.keyMask[row]
                            let base = cache.offset(row: row, head: h / group, slot: 0)
                            attendOneHead(query: qBase + r * d + h * hd, keys: cache.keys[l] + base, values: cache.values[l] + base,
                                          length: slot + 1, headDim: hd, scores: local, out: aBase + r * d + h * hd,
                                          visible: { keyMask[$0] != 0 })
                        }
                    }
                }
            }
            add(project(layer.o, attended), into: x)
            norm(x, layer.mlpNorm, into: normed)
            let gateUp = project([layer.gate, layer.up], normed)
            let (gate, up) = (gateUp[0], gateUp[1])
            swiGLU(gate: gate, up: up)
            add(project(layer.down, gate), into: x)
        }
        norm(x, finalNorm, into: normed)
        return project(head, normed).reshaped([b, t, config.vocabSize])
    }

    func norm(_ x: Tensor, _ weight: Tensor, into out: Tensor) {
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    rmsNormRows(xp.baseAddress!, weight: wp.baseAddress!, out: op.baseAddress!,
                                rows: x.shape[0], dim: x.shape[1], eps: config.rmsNormEps)
                }
            }
        }
    }

    /// x += y (the residual stream), in place.
    func add(_ y: Tensor, into x: Tensor) {
        y.withUnsafeBufferPointer { yp in x.withUnsafeMutableBufferPointer { xp in for i in 0..<xp.count { xp[i] += yp[i] } } }
    }
}
