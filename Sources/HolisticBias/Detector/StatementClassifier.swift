/// A hate-speech classifier as the detector report sees it, so that HolisticBias needs no
/// knowledge of how the classifier is built (the tool supplies the QLoRA one).
public protocol StatementClassifier {
    /// The label given to `statement` (`neutral`, `offensive` or `hate`), or nil when the
    /// classifier's answer names none. Throws when this statement cannot be classified (a prompt
    /// longer than the model's context, say); the report counts it as unparsed and lists it.
    func label(for statement: String) throws -> String?
}
