import Foundation
import ToolSupport
import Llama
import QLoRA

/// The ExplainingHate classifier (router, blended adapters, greedy decoding) reduced to the label
/// of its first answer.
struct QLoRAClassifier {
    let classifier: ExplainedClassifier
    let mode: BlendMode
    let options: GenerationOptions

    init(classifier: ExplainedClassifier, mode: BlendMode, maxNewTokens: Int) {
        self.classifier = classifier
        self.mode = mode
        options = GenerationOptions(maxNewTokens: maxNewTokens, sampler: Sampler(greedy: true), seed: 0, numReturnSequences: 1)
    }

    func label(for statement: String) throws -> String? {
        try classifier.label(statement, mode: mode, maxNewTokens: options.maxNewTokens).0?.rawValue
    }

    /// The classifier from flags, or from the qlora tool's default bundle when no model is given.
    static func build(model: String?, tokenizer: String?, adapterSpecs: [String], routerPath: String?) throws -> (ExplainedClassifier, String) {
        guard let model else {
            guard let bundle = DefaultBundle.installedDirectory() else {
                throw ToolError("no --model given and the qlora default bundle is absent (looked beside the executable and in Sources/Tools/qlora/DefaultBundle); pass --model, --adapter and --router")
            }
            return (try DefaultBundle.load(directory: bundle, resolveBase: resolveModelPath).classifier(), "default bundle \(bundle.path)")
        }
        let (base, tok) = try loadModel(model, tokenizer: tokenizer)
        let adapters = try loadAdapters(adapterSpecs)
        guard !adapters.isEmpty else { throw ToolError("give at least one --adapter NAME=DIR") }
        let mixer = try AdapterMixer(model: base, adapters: adapters)
        let router = try routerPath.map { try Router.load(URL(fileURLWithPath: $0)) }
        let classifier = try ExplainedClassifier(model: base, tokenizer: tok, mixer: mixer, router: router,
                                                 embedder: BaseModelEmbedder(model: base, tokenizer: tok))
        return (classifier, "\(model) with \(adapters.map(\.name).joined(separator: ", "))" + (routerPath == nil ? " (uniform gates)" : ""))
    }
}
