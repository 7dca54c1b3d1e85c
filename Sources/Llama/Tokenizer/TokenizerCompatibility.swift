extension Tokenizer {
    /// Throws unless this tokenizer and a model of `config` share one vocabulary, checked once at load
    /// so that neither side meets an id it lacks mid-run: a larger tokenizer encodes ids the model has
    /// no embedding for, and a smaller one cannot print ids the model generates. Both file names are in
    /// the message, since the usual cause is a `--tokenizer` meant for another model.
    public func checkCompatible(with config: LlamaConfig, tokenizerFile: String, modelFile: String) throws {
        guard vocabularySize != config.vocabSize else { return }
        let problem = vocabularySize > config.vocabSize
            ? "it can produce ids the model has no embedding for"
            : "the model can generate ids the tokenizer cannot decode"
        throw TokenizerError(file: tokenizerFile, field: "vocabulary",
                             reason: "holds \(vocabularySize) pieces but the model \(modelFile) has a vocabulary of \(config.vocabSize): \(problem); use the tokenizer the model was trained with")
    }
}
