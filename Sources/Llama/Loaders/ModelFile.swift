import Foundation

extension LlamaModel {
    /// The model at `path` in any format we read: a Hugging Face directory (dense, or with
    /// bitsandbytes 4-bit linear layers), a GGUF file or a llama2.c checkpoint.
    public static func load(_ path: String) throws -> LlamaModel {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try HuggingFaceLoader.load(directory: URL(fileURLWithPath: path))
        }
        let loaded = try ModelLoader.load(path)
        return try LlamaModel(config: loaded.config, weights: loaded.weights, file: loaded.path)
    }
}
