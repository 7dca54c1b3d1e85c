import ArgumentParser
import Foundation
import Llama

extension LlamaTool {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model's architecture, parameter count, dtype and memory.")

        @Argument(help: "Model directory or file.")
        var model: String

        func run() throws {
            let loaded = try ModelLoader.load(model)
            let c = loaded.config
            let params = loaded.parameterCount
            print("format: \(loaded.format.rawValue) (\(loaded.path))")
            print("architecture: llama, hidden \(c.hiddenSize), intermediate \(c.intermediateSize), layers \(c.numLayers), heads \(c.numHeads), kv heads \(c.numKVHeads), head dim \(c.headDim)")
            print("vocab \(c.vocabSize), context \(c.maxPositions), rms eps \(c.rmsNormEps), rope theta \(c.ropeTheta), \(c.tieWordEmbeddings ? "tied" : "untied") output head")
            print("parameters: \(params) (\(String(format: "%.2f", Double(params) / 1e6))M)")
            print("stored dtype: \(loaded.storedBytesPerParameter == 4 ? "float32" : "16-bit float"), \(bytes(params * loaded.storedBytesPerParameter)) on disk")
            print("compute: float32, \(bytes(params * 4)) of weights in memory, KV cache \(bytes(2 * c.numLayers * c.maxPositions * c.kvDim * 4)) per sequence at full context")
        }

        func bytes(_ n: Int) -> String {
            let units = ["B", "KiB", "MiB", "GiB"]
            var v = Double(n), u = 0
            while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
            return String(format: "%.1f %@", v, units[u])
        }
    }
}
