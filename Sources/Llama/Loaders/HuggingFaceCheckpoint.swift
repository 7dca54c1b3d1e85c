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

        let source = try HuggingFaceLoader.tensorFiles(directory: dir)
        try config.checkNoExtraLayers(source.files.keys, file: source.file)
        var weights: [String: Tensor] = [:]
        var bytesPerParameter = 4
        let needed = config.expectedShapes()
        for (name, file) in source.files where needed[name] != nil {
            let t = try file.tensor(name)
            guard t.shape == needed[name] else {
                throw FormatError(file: file.path, field: name, message: "shape \(t.shape) disagrees with the config, which needs \(needed[name]!)")
            }
            weights[name] = t
            bytesPerParameter = min(bytesPerParameter, file.entries[name]!.dtype.byteSize)
        }
        return try LoadedModel(config: config, weights: weights, format: .huggingFace, path: source.file, storedBytesPerParameter: bytesPerParameter)
    }
}
