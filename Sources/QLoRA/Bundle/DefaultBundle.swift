import Foundation
import Llama
import Tensor

/// A detector on disk: the default one shipped with the tool (`Sources/Tools/qlora/DefaultBundle`),
/// the tiny one the tests use, or any folder of the same layout:
///
///     bundle.json                               what the base is, the adapters in router order, the
///                                               prompt style, how it was made and how it scored
///     adapters/NAME/{adapter_config.json, adapter_model.safetensors}     PEFT format
///     router.safetensors
///     base/{config.json, model.safetensors, tokenizer.bin}               only without "base" in bundle.json
///
/// The shipped bundle names its base instead of carrying it ("base": {"model": "smollm2", ...}):
/// the tools resolve the name to the published model (fetched once with pip, see `PublishedModel`)
/// and quantize it as the adapters were trained on it (NF4, double quantization), so the repository
/// holds only the adapters and the router.
public struct DefaultBundle {
    /// The parts of `bundle.json` the loader reads; the rest is the record of how it was made.
    public struct Manifest: Sendable, Equatable {
        /// A published model's name or a path, resolved by the caller; nil means `base/` in the bundle.
        public var baseModel: String?
        /// The frozen base's quantization (nil: as loaded), its block size and double quantization.
        public var baseQuantization: QuantType?
        public var blocksize = 64
        public var doubleQuant = true
        /// Adapter names in router order.
        public var adapters: [String]
        public var promptStyle: PromptStyle
        /// Per adapter, added to the chat style's label log-probabilities in proportion to its
        /// weight in the mix (`ExplainedClassifier.sourceLabelLogPriorCorrection`).
        public var labelLogPriorCorrection: [String: [HateLabel: Double]] = [:]
        /// How the tools blend the adapters unless told (`ExplainedClassifier.defaultMode`): the
        /// cheapest routed mode tied with the best on validation statements when the bundle was
        /// built (Scripts/choose_on_validation.py).
        public var defaultMode: BlendMode = .linear

        /// Reads the manifest; a bundle.json without "adapters" is the tiny bundle's older layout
        /// (`TinyBundleBuilder`): base in `base/`, the synthetic corpus's sources, the paper's prompt.
        public init(json: [String: Any], file: String) throws {
            func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: file, field: field, message: message) }
            if let base = json["base"] {
                guard let base = base as? [String: Any], let model = base["model"] as? String, !model.isEmpty else {
                    throw fail("base", "must be an object with a \"model\" (a published model's name or a path)")
                }
                baseModel = model
                if let q = base["quantization"] as? String, q != "none" {
                    guard let type = QuantType(rawValue: q) else { throw fail("base.quantization", "unknown quantization \(q); use nf4, fp4 or none") }
                    baseQuantization = type
                }
                if let b = base["blocksize"] {
                    guard let b = b as? Int, [64, 128, 256, 512, 1024, 2048, 4096].contains(b) else { throw fail("base.blocksize", "must be a power of two from 64 to 4096") }
                    blocksize = b
                }
                doubleQuant = base["double_quant"] as? Bool ?? true
            }
            if let names = json["adapters"] {
                guard let names = names as? [String], !names.isEmpty, Set(names).count == names.count else {
                    throw fail("adapters", "must be a non-empty list of distinct adapter names in router order")
                }
                adapters = names
            } else {
                adapters = SyntheticCorpus.sources
            }
            let style = json["prompt_style"] as? String ?? PromptStyle.paper.rawValue
            guard let promptStyle = PromptStyle(rawValue: style) else { throw fail("prompt_style", "unknown prompt style \(style)") }
            self.promptStyle = promptStyle
            if let mode = json["default_mode"] {
                guard let name = mode as? String, let m = BlendMode(rawValue: name), m.isRouted else {
                    throw fail("default_mode", "must be one of the routed blend modes \(BlendMode.routed.map(\.rawValue).joined(separator: ", ")), got \(mode)")
                }
                defaultMode = m
            }
            if let correction = json["label_log_prior_correction"] {
                guard let bySource = correction as? [String: Any] else { throw fail("label_log_prior_correction", "must map adapter names to corrections") }
                for (source, entry) in bySource {
                    guard adapters.contains(source), let entry = entry as? [String: Any] else {
                        throw fail("label_log_prior_correction", "\(source) is not one of the adapters \(adapters)")
                    }
                    for (key, value) in entry {
                        guard let label = HateLabel(rawValue: key), let v = (value as? NSNumber)?.doubleValue, v.isFinite else {
                            throw fail("label_log_prior_correction.\(source)", "expected finite numbers for neutral, offensive and hate, got \(key): \(value)")
                        }
                        labelLogPriorCorrection[source, default: [:]][label] = v
                    }
                }
            }
        }
    }

    public let manifest: Manifest
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let adapters: [(name: String, adapter: LoRAAdapter)]
    public let router: Router

    /// Adapter names in router order.
    public var adapterNames: [String] { manifest.adapters }

    /// Where the shipped bundle lies in a checkout of the sources, found from this file's path.
    public static var sourceTreeDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/qlora/DefaultBundle")
    }

    /// The shipped bundle: copied beside the `qlora` executable by the build, else in the source
    /// tree (a binary run from its checkout); nil when neither has a bundle.json.
    public static func installedDirectory(executable: URL = Bundle.main.bundleURL) -> URL? {
        [executable.appendingPathComponent("ExplainingHate_qlora.resources/DefaultBundle"), sourceTreeDirectory]
            .first { FileManager.default.fileExists(atPath: reportURL(in: $0).path) }
    }

    public static func baseDirectory(in directory: URL) -> URL { directory.appendingPathComponent("base") }
    public static func tokenizerURL(in directory: URL) -> URL { baseDirectory(in: directory).appendingPathComponent("tokenizer.bin") }
    public static func adapterDirectory(_ name: String, in directory: URL) -> URL {
        directory.appendingPathComponent("adapters").appendingPathComponent(name)
    }
    public static func routerURL(in directory: URL) -> URL { directory.appendingPathComponent("router.safetensors") }
    public static func reportURL(in directory: URL) -> URL { directory.appendingPathComponent("bundle.json") }

    public static func manifest(in directory: URL) throws -> Manifest {
        let url = reportURL(in: directory)
        guard let data = try? Data(contentsOf: url) else {
            throw FormatError(file: url.path, field: "file", message: "cannot read (is \(directory.path) a detector bundle?)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FormatError(file: url.path, field: "file", message: "not a JSON object")
        }
        return try Manifest(json: json, file: url.path)
    }

    /// Loads every part and checks they fit together (adapters against the base, the router's
    /// names and width); throws naming the file at fault. `resolveBase` turns the manifest's base
    /// model (a published name such as `smollm2`, or a path) into a local file.
    public static func load(directory: URL, resolveBase: (String) throws -> String = { $0 }) throws -> DefaultBundle {
        let manifest = try manifest(in: directory)
        var model: LlamaModel, tokenizer: Tokenizer
        if let name = manifest.baseModel {
            let path = try resolveBase(name)
            model = try LlamaModel.load(path)
            tokenizer = try Tokenizer.forModel(at: path)
            try tokenizer.checkCompatible(with: model.config, tokenizerFile: path, modelFile: path)
            if let type = manifest.baseQuantization {
                // Decoding one token at a time takes the int8 GEMV (4-5x the exact one here, 0.7% RMS
                // from it) and a 4-bit copy of the head: only the explanation's tokens are decoded so;
                // the label comes from the prompt's forward pass, whose many rows take the exact panel
                // GEMM and the fp32 head, as in training.
                model = try model.quantized(type: type, blocksize: manifest.blocksize, doubleQuant: manifest.doubleQuant, gemvPath: .fast)
                    .withDecodeHead()
            }
        } else {
            model = try HuggingFaceLoader.load(directory: baseDirectory(in: directory))
            tokenizer = try Tokenizer(contentsOf: tokenizerURL(in: directory))
            guard tokenizer.vocabularySize == model.config.vocabSize else {
                throw FormatError(file: tokenizerURL(in: directory).path, field: "vocab",
                                  message: "\(tokenizer.vocabularySize) pieces for a model with vocab_size \(model.config.vocabSize)")
            }
        }
        var adapters: [(name: String, adapter: LoRAAdapter)] = []
        for name in manifest.adapters {
            let dir = adapterDirectory(name, in: directory)
            let adapter = try LoRAAdapter.load(directory: dir)
            // The base fingerprint is checked where every detector is built, `ExplainedClassifier`.
            try adapter.validate(against: model, name: dir.path)
            adapters.append((name, adapter))
        }
        let router = try Router.load(routerURL(in: directory))
        guard router.adapterNames == manifest.adapters, router.dimension == model.config.hiddenSize else {
            throw AdapterError(file: routerURL(in: directory).path, field: "w1",
                               message: "router for \(router.adapterNames) on \(router.dimension)-wide embeddings; the bundle has \(manifest.adapters) and hidden size \(model.config.hiddenSize)")
        }
        return DefaultBundle(manifest: manifest, model: model, tokenizer: tokenizer, adapters: adapters, router: router)
    }

    /// The detector: router on mean-pooled base hidden states, adapters mixed per statement, the
    /// bundle's prompt style and label prior correction.
    public func classifier() throws -> ExplainedClassifier {
        let c = try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: AdapterMixer(model: model, adapters: adapters),
                                        router: router, embedder: BaseModelEmbedder(model: model, tokenizer: tokenizer))
        c.promptStyle = manifest.promptStyle
        c.sourceLabelLogPriorCorrection = manifest.labelLogPriorCorrection
        c.defaultMode = manifest.defaultMode
        return c
    }

    /// Bytes of every file in `directory`, recursively (the size the repository carries).
    public static func bytes(_ directory: URL) throws -> Int {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return 0 }
        var total = 0
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values.isRegularFile == true { total += values.fileSize ?? 0 }
        }
        return total
    }
}
