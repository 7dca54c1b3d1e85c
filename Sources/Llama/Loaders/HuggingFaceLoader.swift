import Foundation
import Tensor

/// Loads a Hugging Face Llama directory: `config.json` plus `model.safetensors`, or shards listed
/// in `model.safetensors.index.json`. F32 weights stay in the file mapping; F16/BF16 are converted.
public enum HuggingFaceLoader {
    public static func load(directory: URL) throws -> LlamaModel {
        let configURL = directory.appendingPathComponent("config.json")
        let config = try LlamaConfig(json: readJSONObject(configURL), file: configURL.path)
        let weights = try readWeights(directory: directory)
        return try LlamaModel(config: config, weights: weights.tensors, file: weights.file)
    }

    /// Every tensor of the directory's safetensors file(s), by name; `file` names the source for errors.
    public static func readWeights(directory: URL) throws -> (tensors: [String: Tensor], file: String) {
        let single = directory.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(path: single.path)
            return (try Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.tensor($0)) }), single.path)
        }
        let indexURL = directory.appendingPathComponent("model.safetensors.index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw FormatError(file: directory.path, field: "model.safetensors", message: "neither model.safetensors nor model.safetensors.index.json is present")
        }
        guard let map = try readJSONObject(indexURL)["weight_map"] as? [String: String] else {
            throw FormatError(file: indexURL.path, field: "weight_map", message: "missing or not an object of tensor name to shard file")
        }
        var shards: [String: SafeTensorsFile] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, shard) in map.sorted(by: { $0.key < $1.key }) {
            guard !shard.contains("/") else { throw FormatError(file: indexURL.path, field: name, message: "shard \(shard) is outside the model directory") }
            if shards[shard] == nil { shards[shard] = try SafeTensorsFile(path: directory.appendingPathComponent(shard).path) }
            tensors[name] = try shards[shard]!.tensor(name)
        }
        return (tensors, indexURL.path)
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
