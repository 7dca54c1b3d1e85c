import Foundation
import Tensor

/// Loads a Hugging Face Llama directory: `config.json` plus `model.safetensors`, or shards listed
/// in `model.safetensors.index.json`. F32 weights stay in the file mapping; F16/BF16 are converted.
/// Linear weights stored as bitsandbytes 4-bit ("bnb-4bit" checkpoints, see `QuantizedCheckpoint`)
/// load as `QuantizedLinear`s without being dequantized.
public enum HuggingFaceLoader {
    public static func load(directory: URL) throws -> LlamaModel {
        let configURL = directory.appendingPathComponent("config.json")
        let json = try readJSONObject(configURL)
        let config = try LlamaConfig(json: json, file: configURL.path)
        let source = try tensorFiles(directory: directory)
        try config.checkNoExtraLayers(source.files.keys, file: source.file)
        let quantized = try QuantizedCheckpoint.readAll(files: source.files)
        if let q = json["quantization_config"] {
            guard let object = q as? [String: Any] else {
                throw FormatError(file: configURL.path, field: "quantization_config", message: "not an object")
            }
            let bnb = try BitsAndBytesConfig(json: object, file: configURL.path)
            for (name, w) in quantized.weights.sorted(by: { $0.key < $1.key }) where w.quantType != bnb.quantType {
                throw QuantStateError(tensor: name, "quantized as \(w.quantType.rawValue), but config.json says \(bnb.quantType.rawValue)")
            }
        }
        var dense: [String: Tensor] = [:]
        for (name, file) in source.files where !quantized.keys.contains(name) { dense[name] = try file.tensor(name) }
        return try LlamaModel(config: config, weights: dense, quantized: quantized.weights, file: source.file)
    }

    /// Every tensor of the directory's safetensors file(s), by name; `file` names the source for errors.
    public static func readWeights(directory: URL) throws -> (tensors: [String: Tensor], file: String) {
        let source = try tensorFiles(directory: directory)
        var tensors: [String: Tensor] = [:]
        for (name, file) in source.files { tensors[name] = try file.tensor(name) }
        return (tensors, source.file)
    }

    /// The safetensors file holding each tensor of the directory, and the path that names the source.
    public static func tensorFiles(directory: URL) throws -> (files: [String: SafeTensorsFile], file: String) {
        let single = directory.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(path: single.path)
            return (Dictionary(uniqueKeysWithValues: file.names.map { ($0, file) }), single.path)
        }
        let indexURL = directory.appendingPathComponent("model.safetensors.index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw FormatError(file: directory.path, field: "model.safetensors", message: "neither model.safetensors nor model.safetensors.index.json is present")
        }
        guard let map = try readJSONObject(indexURL)["weight_map"] as? [String: String] else {
            throw FormatError(file: indexURL.path, field: "weight_map", message: "missing or not an object of tensor name to shard file")
        }
        var shards: [String: SafeTensorsFile] = [:]
        var files: [String: SafeTensorsFile] = [:]
        for (name, shard) in map.sorted(by: { $0.key < $1.key }) {
            guard !shard.contains("/") else { throw FormatError(file: indexURL.path, field: name, message: "shard \(shard) is outside the model directory") }
            if shards[shard] == nil { shards[shard] = try SafeTensorsFile(path: directory.appendingPathComponent(shard).path) }
            guard shards[shard]!.entries[name] != nil else {
                throw FormatError(file: directory.appendingPathComponent(shard).path, field: name, message: "tensor is missing")
            }
            files[name] = shards[shard]!
        }
        return (files, indexURL.path)
    }

    static func readJSONObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw FormatError(file: url.path, field: "file", message: "cannot read: \(error.localizedDescription)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FormatError(file: url.path, field: "file", message: "not a JSON object")
        }
        return object
    }
}
