import Foundation
import Llama

/// Turns the outputs of `Scripts/build_default_bundle.sh` (a work folder with `data/`,
/// `adapters/NAME/` and `router.safetensors`) into a shippable `DefaultBundle`: each adapter in
/// PEFT format as F16 (half the bytes; the factors' rounding error is far below their training
/// noise), stamped with the base's fingerprint and the published base's name, the router, and a
/// `bundle.json` holding the manifest and the record of how the bundle was made.
public enum DefaultBundlePacker {
    public struct Source: Sendable {
        /// The adapter's name, which is also the router's label for it.
        public var name: String
        /// The dataset its training split came from (`DatasetCatalog` name).
        public var dataset: String
        public init(name: String, dataset: String) {
            self.name = name
            self.dataset = dataset
        }
    }

    /// Writes the bundle into `output` (created; files of an earlier bundle are replaced, each
    /// atomically). `base` is the base the adapters were trained on, `baseName` how the bundle
    /// names it (a published model's name); `defaultMode` is how the tools blend unless told (a routed
    /// mode); `settings`, `validation` (how that mode was chosen) and `evaluation` are recorded as given.
    public static func pack(work: URL, sources: [Source], base: LlamaModel, tokenizer: Tokenizer, baseName: String,
                            quantization: QuantType, settings: [String: Any], labelLogPriorCorrection: [String: [HateLabel: Double]],
                            defaultMode: BlendMode = .linear, validation: Any? = nil, evaluation: Any?, output: URL) throws {
        let fingerprint = BaseFingerprint.of(config: base.config, tokenizer: tokenizer)
        var data: [String: Any] = [:], training: [String: Any] = [:]
        for source in sources {
            let from = work.appendingPathComponent("adapters").appendingPathComponent(source.name)
            var adapter = try LoRAAdapter.load(directory: from)
            try adapter.validate(against: base, name: from.path)
            try BaseFingerprint.check(adapter, name: from.path, fingerprint: fingerprint)
            adapter.config.baseFingerprint = fingerprint
            adapter.config.baseModel = baseName
            try adapter.save(to: DefaultBundle.adapterDirectory(source.name, in: output), dtype: .float16)
            training[source.name] = try trainingRecord(from.appendingPathComponent("training_log.jsonl"))
            var entry: [String: Any] = ["dataset": source.dataset]
            for (key, file) in [("train_label_counts", "\(source.name)-train.jsonl"), ("train_split_label_counts", "\(source.name)-train-full.jsonl"),
                                ("validation_label_counts", "\(source.name)-validation.jsonl")] {
                entry[key] = try labelCounts(work.appendingPathComponent("data").appendingPathComponent(file))
            }
            data[source.name] = entry
        }
        let router = try Router.load(work.appendingPathComponent("router.safetensors"))
        guard router.adapterNames == sources.map(\.name) else {
            throw AdapterError(file: work.appendingPathComponent("router.safetensors").path, field: "adapter_names",
                               message: "the router routes to \(router.adapterNames), the bundle's adapters are \(sources.map(\.name))")
        }
        try router.save(to: DefaultBundle.routerURL(in: output))
        var manifest: [String: Any] = [
            "format": 2,
            "base": ["model": baseName, "quantization": quantization.rawValue, "blocksize": 64, "double_quant": true, "fingerprint": fingerprint],
            "adapters": sources.map(\.name), "prompt_style": PromptStyle.chat.rawValue,
            "data": data, "training": training, "settings": settings, "default_mode": defaultMode.rawValue,
        ]
        if !labelLogPriorCorrection.isEmpty {
            manifest["label_log_prior_correction"] = labelLogPriorCorrection.mapValues { c in Dictionary(uniqueKeysWithValues: c.map { ($0.key.rawValue, $0.value) }) }
        }
        if let validation { manifest["validation"] = validation }
        if let evaluation { manifest["evaluation"] = evaluation }
        let json = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        // Checked before it is written: a manifest the loader would refuse must not ship.
        _ = try DefaultBundle.Manifest(json: manifest, file: DefaultBundle.reportURL(in: output).path)
        try writeAtomically(json, to: DefaultBundle.reportURL(in: output))
    }

    /// Steps, the best validation loss and where it was, the last training loss and the mean
    /// throughput, from a run's `training_log.jsonl`.
    static func trainingRecord(_ url: URL) throws -> [String: Any] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DatasetError(file: url.path, location: "file", message: "cannot read the training log")
        }
        let decoder = JSONDecoder()
        let entries = try text.split(separator: "\n").enumerated().map { i, line in
            do { return try decoder.decode(TrainingLogEntry.self, from: Data(line.utf8)) } catch {
                throw DatasetError(file: url.path, location: "line \(i + 1)", message: "not a training log entry")
            }
        }
        let evaluations = entries.filter { $0.evalLoss != nil }
        let best = evaluations.min { $0.evalLoss! < $1.evalLoss! }
        let speeds = entries.compactMap(\.tokensPerSecond)
        var record: [String: Any] = ["steps": entries.map(\.step).max() ?? 0]
        if let best { record["best_validation_loss"] = best.evalLoss!; record["best_step"] = best.step }
        if let first = evaluations.first?.evalLoss { record["initial_validation_loss"] = first }
        if let last = entries.last(where: { $0.loss != nil })?.loss { record["last_training_loss"] = last }
        if !speeds.isEmpty { record["mean_tokens_per_second"] = speeds.reduce(0, +) / Double(speeds.count) }
        return record
    }

    /// Label counts of a records file.
    static func labelCounts(_ url: URL) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (location, item) in try TrainingDataReader.jsonItems(url) {
            guard let label = (item as? [String: Any])?["label"] as? String else {
                throw DatasetError(file: url.path, location: location, message: "not a JSON record with a label")
            }
            counts[label, default: 0] += 1
        }
        return counts
    }
}
