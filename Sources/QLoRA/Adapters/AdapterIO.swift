import Foundation
import Llama
import Tensor

/// PEFT's on-disk adapter format: `adapter_config.json` and `adapter_model.safetensors` with keys
/// `base_model.model.<module path>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r].
extension LoRAAdapter {
    static let keyPrefix = "base_model.model."

    /// Reads a PEFT adapter directory, checking every factor's rank against the config.
    public static func load(directory: URL) throws -> LoRAAdapter {
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        guard let data = try? Data(contentsOf: configURL) else {
            throw AdapterError(file: configURL.path, field: "file", message: "cannot read (is \(directory.path) a PEFT adapter directory?)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AdapterError(file: configURL.path, field: "file", message: "not a JSON object")
        }
        let config = try LoRAConfig(json: json, file: configURL.path)
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: weightsURL.path) } catch let error as FormatError {
            throw AdapterError(file: error.file, field: error.field, message: error.message)
        }
        var modules: [String: LoRAWeights] = [:]
        for name in file.names {
            guard name.hasPrefix(keyPrefix), name.hasSuffix(".lora_A.weight") || name.hasSuffix(".lora_B.weight") else {
                throw AdapterError(file: weightsURL.path, field: name, message: "not a LoRA factor (expected base_model.model.<module>.lora_A/lora_B.weight)")
            }
            let isA = name.hasSuffix(".lora_A.weight")
            let path = String(name.dropFirst(keyPrefix.count).dropLast(".lora_A.weight".count))
            if !isA { continue }
            let bName = keyPrefix + path + ".lora_B.weight"
            guard file.entries[bName] != nil else { throw AdapterError(file: weightsURL.path, field: bName, message: "lora_B is missing for \(path)") }
            let a = try file.tensor(name), b = try file.tensor(bName)
            guard a.rank == 2, b.rank == 2, a.shape[0] == config.r, b.shape[1] == config.r else {
                throw AdapterError(file: weightsURL.path, field: path, message: "factors A \(a.shape) and B \(b.shape) disagree with r = \(config.r)")
            }
            modules[path] = LoRAWeights(a: a, b: b)
        }
        for name in file.names where name.hasSuffix(".lora_B.weight") {
            let path = String(name.dropFirst(keyPrefix.count).dropLast(".lora_B.weight".count))
            guard modules[path] != nil else { throw AdapterError(file: weightsURL.path, field: name, message: "lora_A is missing for \(path)") }
        }
        guard !modules.isEmpty else { throw AdapterError(file: weightsURL.path, field: "tensors", message: "the adapter holds no LoRA factors") }
        return LoRAAdapter(config: config, modules: modules)
    }

    /// Writes the adapter in PEFT's format, its factors as `dtype` (F32, or F16 / BF16 to halve
    /// the file, as PEFT saves a half-precision model); each file is written atomically.
    public func save(to directory: URL, dtype: DType = .float32) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var items: [SafeTensorsWriter.Item] = []
        for (path, w) in modules {
            items.append(.init(name: Self.keyPrefix + path + ".lora_A.weight", tensor: w.a, as: dtype))
            items.append(.init(name: Self.keyPrefix + path + ".lora_B.weight", tensor: w.b, as: dtype))
        }
        var config = self.config
        // A merged adapter stores its effective scaling through alpha = r * scaling.
        if abs(Float(config.scaling) - scaling) > 1e-7 * max(1, abs(scaling)) {
            config.alpha = Double(scaling) * (config.useRSLoRA ? Double(config.r).squareRoot() : Double(config.r))
        }
        try SafeTensorsWriter.write(items, metadata: ["format": "pt"], to: directory.appendingPathComponent("adapter_model.safetensors"))
        let json = try JSONSerialization.data(withJSONObject: config.json(), options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(json, to: directory.appendingPathComponent("adapter_config.json"))
    }

    /// Checks that every adapted module exists in `model` with matching in/out sizes.
    public func validate(against model: LlamaModel, name: String) throws {
        for (path, w) in modules {
            guard let base = model.linears[path] else {
                throw AdapterError(file: name, field: path, message: "the base model has no linear layer \(path)")
            }
            guard base.inFeatures == w.inFeatures, base.outFeatures == w.outFeatures else {
                throw AdapterError(file: name, field: path, message: "adapter is [\(w.outFeatures), \(w.inFeatures)], the base layer is [\(base.outFeatures), \(base.inFeatures)]")
            }
        }
    }
}

extension LoRAAdapter {
    /// Adapters from `NAME=DIR` specifications (the tools' `--adapter` flag), in the order given.
    public static func loadNamed(_ specs: [String]) throws -> [(name: String, adapter: LoRAAdapter)] {
        var seen: Set<String> = []
        return try specs.map { spec in
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                throw AdapterError(file: spec, field: "--adapter", message: "expected NAME=DIR")
            }
            let name = String(spec[..<eq]), dir = String(spec[spec.index(after: eq)...])
            // The router and the blend weights address adapters by name and position; a repeated name would make one unreachable.
            guard seen.insert(name).inserted else {
                throw AdapterError(file: spec, field: "--adapter", message: "the name \(name) is given twice; each adapter needs its own name")
            }
            return (name, try load(directory: URL(fileURLWithPath: dir)))
        }
    }
}
