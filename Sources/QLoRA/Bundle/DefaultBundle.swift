import Foundation
import Llama
import Tensor

/// The default detector shipped with the tool, trained by the project from its own synthetic
/// corpus (`DefaultBundleBuilder`), in a fixed layout:
///
///     base/{config.json, model.safetensors, tokenizer.bin}
///     adapters/{microblogs,forums,wikitalk}/{adapter_config.json, adapter_model.safetensors}
///     router.safetensors
///     bundle.json
public struct DefaultBundle {
    /// Adapter names in router order.
    public static let adapterNames = SyntheticCorpus.sources

    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let adapters: [(name: String, adapter: LoRAAdapter)]
    public let router: Router

    /// Where the committed bundle lies in a checkout of the sources
    /// (`Sources/Tools/qlora/DefaultBundle`), found from this file's path, so `swift run qlora`
    /// on a fresh clone finds it without flags.
    public static var sourceTreeDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/qlora/DefaultBundle")
    }

    public static func baseDirectory(in directory: URL) -> URL { directory.appendingPathComponent("base") }
    public static func tokenizerURL(in directory: URL) -> URL { baseDirectory(in: directory).appendingPathComponent("tokenizer.bin") }
    public static func adapterDirectory(_ name: String, in directory: URL) -> URL {
        directory.appendingPathComponent("adapters").appendingPathComponent(name)
    }
    public static func routerURL(in directory: URL) -> URL { directory.appendingPathComponent("router.safetensors") }
    public static func reportURL(in directory: URL) -> URL { directory.appendingPathComponent("bundle.json") }

    /// Loads every part and checks they fit together (adapters against the base, the router's
    /// names and width); throws naming the file at fault.
    public static func load(directory: URL) throws -> DefaultBundle {
        let model = try HuggingFaceLoader.load(directory: baseDirectory(in: directory))
        let tokenizer = try Tokenizer(contentsOf: tokenizerURL(in: directory))
        guard tokenizer.vocabularySize == model.config.vocabSize else {
            throw FormatError(file: tokenizerURL(in: directory).path, field: "vocab",
                              message: "\(tokenizer.vocabularySize) pieces for a model with vocab_size \(model.config.vocabSize)")
        }
        var adapters: [(name: String, adapter: LoRAAdapter)] = []
        for name in adapterNames {
            let adapter = try LoRAAdapter.load(directory: adapterDirectory(name, in: directory))
            try adapter.validate(against: model, name: name)
            adapters.append((name, adapter))
        }
        let router = try Router.load(routerURL(in: directory))
        guard router.adapterNames == adapterNames, router.dimension == model.config.hiddenSize else {
            throw AdapterError(file: routerURL(in: directory).path, field: "w1",
                               message: "router for \(router.adapterNames) on \(router.dimension)-wide embeddings; the bundle has \(adapterNames) and hidden size \(model.config.hiddenSize)")
        }
        return DefaultBundle(model: model, tokenizer: tokenizer, adapters: adapters, router: router)
    }

    /// The detector: router on mean-pooled base hidden states, adapters mixed per statement.
    public func classifier() throws -> ExplainedClassifier {
        try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: AdapterMixer(model: model, adapters: adapters),
                                router: router, embedder: BaseModelEmbedder(model: model, tokenizer: tokenizer))
    }
}
