import Foundation
import Tensor

/// Reads a Hugging Face Llama directory into a `LoadedModel`: `config.json` and `model.safetensors`, or shards listed
/// in `model.safetensors.index.json`. F32 tensors stay in the mapped files.
public enum HuggingFaceCheckpoint {
    /// The model in `directory`; throws naming the file and the field or tensor at fault.
    public static func load(directory: String) throws -> LoadedModel {
        let dir = URL(fileURLWithPath: directory)
        let configURL = dir.appendingPathComponent("config.json")
        let configObject: Any
        do { configObject = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) } catch {
            throw FormatError(file: configURL.path, field: "config", message: "cannot read JSON: \(error.localizedDescription)")
        }
        guard let json = configObject as? [String: Any] else { throw FormatError(file: configURL.path, field: "config", message: "not a JSON object") }
        let config = try LlamaConfig(json: json, file: configURL.path)

        let shardFiles = try shards(in: dir)
        var weights: [String: Tensor] = [:]
        var bytesPerParameter = 4
        let needed = config.expectedShapes()
        for shard in shardFiles {
            let file = try SafeTensorsFile(path: shard)
            for name in file.names where needed[name] != nil {
                let t = try file.tensor(name)
                guard t.shape == needed[name] else {
                    throw FormatError(file: shard, field: name, message: "shape \(t.shape) disagrees with the config, which needs \(needed[name]!)")
                }
                weights[name] = t
                bytesPerParameter = min(bytesPerParameter, file.entries[name]!.dtype.byteSize)
            }
        }
        let where_ = shardFiles.count == 1 ? shardFiles[0] : directory
        return try LoadedModel(config: config, weights: weights, format: .huggingFace, path: where_, storedBytesPerParameter: bytesPerParameter)
    }

    static func shards(in dir: URL) throws -> [String] {
        let single = dir.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) { return [single.path] }
        let indexURL = dir.appendingPathComponent("model.safetensors.index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw FormatError(file: dir.path, field: "model.safetensors", message: "neither model.safetensors nor model.safetensors.index.json is present")
        }
        guard let index = (try? JSONSerialization.jsonObject(with: Data(contentsOf: indexURL))) as? [String: Any],
              let map = index["weight_map"] as? [String: String] else {
            throw FormatError(file: indexURL.path, field: "weight_map", message: "missing or not an object of strings")
        }
        return Set(map.values).sorted().map { name in
            dir.appendingPathComponent((name as NSString).lastPathComponent).path
        }
    }
}
