import Foundation
import Tensor

/// A checkpoint read from disk: its config and every tensor under its Hugging Face name, with
/// q/k already in the rotate-half RoPE layout whatever the source format.
public struct LoadedModel: @unchecked Sendable {
    /// The on-disk format a model came from.
    public enum Format: String, Sendable { case huggingFace = "hf", llama2c = "llama2.c", gguf = "gguf" }

    /// The architecture, from config.json, the llama2.c header or GGUF metadata.
    public let config: LlamaConfig
    /// Every tensor by Hugging Face name (`model.layers.3.self_attn.q_proj.weight`).
    public let weights: [String: Tensor]
    /// Where the weights came from.
    public let format: Format
    /// The file (or directory, for shards) read.
    public let path: String
    /// Bytes per parameter as stored (4 for F32, 2 for F16/BF16); informational.
    public let storedBytesPerParameter: Int

    public init(config: LlamaConfig, weights: [String: Tensor], format: Format, path: String, storedBytesPerParameter: Int = 4) throws {
        try config.checkWeights(weights, file: path)
        self.config = config
        self.weights = weights
        self.format = format
        self.path = path
        self.storedBytesPerParameter = storedBytesPerParameter
    }

    /// The number of parameters the model uses (a tied head counted once).
    public var parameterCount: Int {
        config.expectedShapes().values.reduce(0) { $0 + Shape.count($1) }
    }
}

/// Reads a model from a Hugging Face directory, a llama2.c `.bin` or a `.gguf` file.
public enum ModelLoader {
    /// Detects the format: a directory is Hugging Face; a file starting with `GGUF` is GGUF; any
    /// other file is a llama2.c checkpoint.
    public static func load(_ path: String) throws -> LoadedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FormatError(file: path, field: "file", message: "does not exist")
        }
        if isDirectory.boolValue { return try HuggingFaceCheckpoint.load(directory: path) }
        let file = try MappedFile(path: path)
        if file.bytes.count >= 4, Array(file.bytes[0..<4]) == Array("GGUF".utf8) { return try GGUFLoader.load(file) }
        if path.hasSuffix(".safetensors") {
            return try HuggingFaceCheckpoint.load(directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        return try Llama2CLoader.load(file)
    }
}

/// Meta's checkpoints (and so llama2.c and GGUF) rotate interleaved pairs (x0,x1),(x2,x3)...;
/// Hugging Face rotates the two halves of each head. Reordering the output rows of q/k per head
/// turns one into the other, as transformers' `convert_llama_weights_to_hf` does.
func interleavedToRotateHalf(_ w: Tensor, heads: Int) -> Tensor {
    let rows = w.shape[0], cols = w.shape[1]
    let order = interleavedToRotateHalfRows(rows, heads: heads)
    let src = w.contiguous()
    let out = Tensor(zeros: [rows, cols])
    src.withUnsafeBufferPointer { s in
        out.withUnsafeMutableBufferPointer { d in
            for (to, from) in order.enumerated() {
                (d.baseAddress! + to * cols).update(from: s.baseAddress! + from * cols, count: cols)
            }
        }
    }
    return out
}

/// The row reorder of `interleavedToRotateHalf`: output row h*hd + j*hd/2 + i is input row
/// h*hd + 2i + j, for head h, pair i and member j of a head of hd rows.
func interleavedToRotateHalfRows(_ rows: Int, heads: Int) -> [Int] {
    let headDim = rows / heads
    var order = [Int](repeating: 0, count: rows)
    for h in 0..<heads {
        for i in 0..<(headDim / 2) {
            for j in 0..<2 { order[h * headDim + j * (headDim / 2) + i] = h * headDim + 2 * i + j }
        }
    }
    return order
}
