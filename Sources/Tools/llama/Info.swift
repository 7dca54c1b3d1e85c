import ArgumentParser
import Foundation
import Llama
import ToolSupport

extension LlamaTool {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a model's architecture, parameter count, dtype and memory.")

        @Argument(help: modelHelp)
        var model: String = "smollm2"

        func run() throws {
            let model = try resolveModelPath(self.model)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue,
               (try? ModelLoader.load(model)) == nil {
                try quantizedInfo(model)
                return
            }
            let loaded = try ModelLoader.load(model)
            let c = loaded.config
            let params = loaded.parameterCount
            print("format: \(loaded.format.rawValue) (\(loaded.path))")
            print("architecture: llama, hidden \(c.hiddenSize), intermediate \(c.intermediateSize), layers \(c.numLayers), heads \(c.numHeads), kv heads \(c.numKVHeads), head dim \(c.headDim)")
            print("vocab \(c.vocabSize), context \(c.maxPositions), rms eps \(c.rmsNormEps), rope theta \(c.ropeTheta), \(c.tieWordEmbeddings ? "tied" : "untied") output head")
            print("parameters: \(params) (\(String(format: "%.2f", Double(params) / 1e6))M)")
            if loaded.format == .gguf {
                // GGUF files mix encodings (SmolLM2: Q4_1 matrices, a Q8_0 embedding, F32 norms).
                let file = try GGUFFile(path: loaded.path)
                let byType = Dictionary(grouping: file.tensors.values, by: \.type)
                let stored = file.tensors.values.reduce(0) { $0 + $1.range.count }
                print("stored: " + byType.sorted { $0.value.count > $1.value.count }.map { "\($0.value.count) \($0.key.name)" }.joined(separator: ", ")
                      + " tensors; \(bytes(stored)) of tensor data, " + String(format: "%.2f bits per parameter", Double(stored * 8) / Double(params)))
            } else {
                print("stored dtype: \(loaded.storedBytesPerParameter == 4 ? "float32" : "16-bit float"), \(bytes(params * loaded.storedBytesPerParameter)) on disk")
            }
            print("compute: float32, \(bytes(params * 4)) of weights in memory, KV cache \(bytes(2 * c.numLayers * c.maxPositions * c.kvDim * 4)) per sequence at full context")
            printKernel()
        }

        /// A checkpoint whose linear layers are stored 4-bit (bitsandbytes layout).
        func quantizedInfo(_ model: String) throws {
            let m = try LlamaModel.load(model)
            let c = m.config
            let quantized = m.linears.values.compactMap { $0 as? QuantizedLinear }
            let qBits = quantized.reduce(0.0) { $0 + $1.weight.bitsPerParameter * Double($1.weight.count) }
            let dense = m.tensors.values.reduce(0) { $0 + $1.count } + m.linears.values.filter { !($0 is QuantizedLinear) }.reduce(0) { $0 + $1.inFeatures * $1.outFeatures }
            print("format: hf, \(quantized.count) linear layers 4-bit \(quantized.first?.weight.quantType.rawValue ?? "") (\(model))")
            print("architecture: llama, hidden \(c.hiddenSize), intermediate \(c.intermediateSize), layers \(c.numLayers), heads \(c.numHeads), kv heads \(c.numKVHeads), head dim \(c.headDim)")
            print("vocab \(c.vocabSize), context \(c.maxPositions), rms eps \(c.rmsNormEps), rope theta \(c.ropeTheta), \(c.tieWordEmbeddings ? "tied" : "untied") output head")
            print("parameters: \(m.parameterCount) (\(String(format: "%.2f", Double(m.parameterCount) / 1e6))M)")
            print(String(format: "memory: %@ (4-bit layers at %.3f bits per parameter, the rest float32)", bytes(Int(qBits / 8) + dense * 4),
                         quantized.isEmpty ? 0 : qBits / Double(quantized.reduce(0) { $0 + $1.weight.count })))
            printKernel()
        }

        /// The 4-bit fast GEMV kernel this process runs, which depends on the CPU rather than the build.
        func printKernel() {
            let supported = FastGEMVKernel.supported.map(\.rawValue).joined(separator: ", ")
            print("4-bit fast GEMV kernel: \(QuantizedTensor.fastGEMVKernel.rawValue) (this CPU runs \(supported))")
        }

        func bytes(_ n: Int) -> String {
            let units = ["B", "KiB", "MiB", "GiB"]
            var v = Double(n), u = 0
            while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
            return String(format: "%.1f %@", v, units[u])
        }
    }
}
