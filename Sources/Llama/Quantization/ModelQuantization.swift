import Tensor

extension LlamaModel {
    /// The model with every linear layer of the decoder (the seven projections of each layer)
    /// quantized to 4 bits as bitsandbytes' `Linear4bit` stores them; the embedding, the norms and
    /// the output head stay fp32, as transformers leaves them.
    ///
    /// A layer already quantized with the same settings keeps its blocks. `gemvPath` is the kernel
    /// every layer multiplies single rows (decode) with. Throws a `QuantStateError`
    /// naming the weight for a layer that cannot be quantized: non-finite values, an unsupported
    /// blocksize, a layer quantized with other settings, or a layer that is not a plain linear one.
    public func quantized(type: QuantType = .nf4, blocksize: Int = 64, doubleQuant: Bool = true,
                          gemvPath: QuantizedLinear.GEMVPath = .exact) throws -> LlamaModel {
        var out: [String: any FrozenLinear] = [:]
        for (path, layer) in linears.sorted(by: { $0.key < $1.key }) {
            let name = path + ".weight"
            switch layer {
            case let dense as DenseLinear:
                let q = try QuantizedTensor(quantizing: dense.weight, name: name, quantType: type, blocksize: blocksize,
                                            doubleQuant: doubleQuant)
                out[path] = QuantizedLinear(weight: q, gemvPath: gemvPath)
            case let quantized as QuantizedLinear:
                let w = quantized.weight
                let isDouble = if case .double = w.scales { true } else { false }
                guard w.quantType == type, w.blocksize == blocksize, isDouble == doubleQuant else {
                    throw QuantStateError(tensor: name, "already quantized as \(w.quantType.rawValue), blocksize \(w.blocksize), "
                                          + "double quant \(isDouble); re-quantizing would compound the rounding error")
                }
                out[path] = QuantizedLinear(weight: w, gemvPath: gemvPath)
            default:
                throw QuantStateError(tensor: name, "layer of type \(Swift.type(of: layer)) has no dense weight to quantize")
            }
        }
        return LlamaModel(config: config, tensors: tensors, linears: out, decodeHead: decodeHead)
    }

    /// The model with a 4-bit copy of the output head for decoding one token at a time, through
    /// the int8 GEMV: the fp32 head is the largest read of a decoded token (vocabulary x hidden x 4
    /// bytes, 113 MB for SmolLM2's 49,152 x 576), the copy an eighth of it. Several rows (a prompt,
    /// whose logits give the chat label) still take the fp32 head, so only decoded tokens change,
    /// as llama.cpp's quantized output tensor changes them.
    public func withDecodeHead(type: QuantType = .nf4, blocksize: Int = 64) throws -> LlamaModel {
        let q = try QuantizedTensor(quantizing: outputHead.contiguous(), name: config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight",
                                    quantType: type, blocksize: blocksize, doubleQuant: true)
        return LlamaModel(config: config, tensors: tensors, linears: linears, decodeHead: QuantizedLinear(weight: q, gemvPath: .fast))
    }
}
