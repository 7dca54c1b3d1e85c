import Foundation

extension LlamaModel {
    /// The model at `path` in any format we read: a Hugging Face directory (dense, or with
    /// bitsandbytes 4-bit linear layers), a GGUF file or a llama2.c checkpoint. With `keepGGUFBlocks`
    /// a GGUF file's decoder projections stay in their mapped blocks (`GGUFLinear`) instead of being
    /// dequantized to float32.
    public static func load(_ path: String, keepGGUFBlocks: Bool = false) throws -> LlamaModel {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try HuggingFaceLoader.load(directory: URL(fileURLWithPath: path))
        }
        if keepGGUFBlocks {
            let file = try MappedFile(path: path)
            if file.bytes.count >= 4, Array(file.bytes[0..<4]) == Array("GGUF".utf8) { return try GGUFLoader.blockModel(file) }
        }
        let loaded = try ModelLoader.load(path)
        return try LlamaModel(config: loaded.config, weights: loaded.weights, file: loaded.path)
    }
}
