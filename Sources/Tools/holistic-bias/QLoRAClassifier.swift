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
        try classifier.classify(statement, mode: mode, options: options).label?.rawValue
    }

    /// The classifier from flags, or from the qlora tool's default bundle when no model is given.
    static func build(model: String?, tokenizer: String?, adapterSpecs: [String], routerPath: String?) throws -> (ExplainedClassifier, String) {
        guard let model else {
            guard let bundle = defaultBundle() else {
                throw ToolError("no --model given and the qlora default bundle is absent (looked beside the executable and in Sources/Tools/qlora/DefaultBundle); pass --model, --adapter and --router")
            }
            let (c, _) = try build(model: bundle.appendingPathComponent("base").path, tokenizer: bundle.appendingPathComponent("base/tokenizer.bin").path,
                                   adapterSpecs: ["microblogs", "forums", "wikitalk"].map { "\($0)=\(bundle.appendingPathComponent("adapters/\($0)").path)" },
                                   routerPath: bundle.appendingPathComponent("router.safetensors").path)
            return (c, "default bundle \(bundle.path)")
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

    /// The qlora tool's bundled model: its built resource folder beside this executable, else the source tree.
    static func defaultBundle() -> URL? {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("ExplainingHate_qlora.resources/DefaultBundle"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("qlora/DefaultBundle"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("bundle.json").path) }
    }
}
