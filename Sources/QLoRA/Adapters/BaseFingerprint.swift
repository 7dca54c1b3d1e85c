import Llama

/// What an adapter must be used with: a digest of its base model's architecture and vocabulary.
/// An adapter is a delta on particular weight matrices read through a particular tokenizer; on
/// another base of the same shapes it loads without complaint and answers garbage, so the trainer
/// records this digest in `adapter_config.json` and the detector refuses a mismatch by name.
/// The weights themselves are not hashed: the same base quantized differently (fp32, NF4, GGUF
/// blocks) is the same base.
public enum BaseFingerprint {
    public static func of(config c: LlamaConfig, tokenizer: Tokenizer) -> String {
        var text = "llama hidden \(c.hiddenSize) intermediate \(c.intermediateSize) layers \(c.numLayers) heads \(c.numHeads) "
            + "kv \(c.numKVHeads) vocab \(c.vocabSize) eps \(c.rmsNormEps) rope \(c.ropeTheta) tied \(c.tieWordEmbeddings)\n"
        for piece in tokenizer.pieces { text += piece + "\n" }
        return String(SHA256.hex(Array(text.utf8)).prefix(16))
    }

    /// Throws when `adapter` records a base other than `fingerprint`; adapters that record none
    /// (PEFT's, or older ones) pass, since nothing says which base they were for.
    public static func check(_ adapter: LoRAAdapter, name: String, fingerprint: String) throws {
        guard let recorded = adapter.config.baseFingerprint, recorded != fingerprint else { return }
        throw AdapterError(file: name, field: LoRAConfig.fingerprintKey,
                           message: "the adapter was trained on another base model (fingerprint \(recorded), this base is \(fingerprint)); use it with the base it was trained on (its base_model_name_or_path: \(adapter.config.baseModel.isEmpty ? "not recorded" : adapter.config.baseModel))")
    }
}
