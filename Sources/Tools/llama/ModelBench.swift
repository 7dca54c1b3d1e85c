import CBLAS
import Foundation
import Llama
import Tensor

/// `llama bench --model`: decode and prompt speed of a real model in each encoding its base can
/// take here, every ratio against a reference measured in the same run: decode against the
/// streaming-read bound of the bytes a token streams, prompt processing against `cblas_sgemm` at
/// the model's own matrix shapes.
enum ModelBench {
    /// One way of holding the base: its name and the model.
    struct Variant {
        let name: String
        let model: LlamaModel
    }

    static func variants(path: String) throws -> [Variant] {
        let dense = try LlamaModel.load(path)
        var out = [Variant(name: "fp32 (dequantized)", model: dense)]
        let blocks = try LlamaModel.load(path, keepGGUFBlocks: true)
        if blocks.linears.values.contains(where: { $0 is GGUFLinear }) {
            let types = Set(blocks.linears.values.compactMap { ($0 as? GGUFLinear)?.info.type.name }).sorted()
            out.append(Variant(name: "GGUF blocks (\(types.joined(separator: ", ")))", model: blocks))
        }
        let nf4 = try dense.quantized(type: .nf4)
        out.append(Variant(name: "NF4 + double quant (re-quantized)", model: nf4))
        // The int8-activation GEMV (about 0.7% RMS from exact), through the kernel the CPU was dispatched to.
        out.append(Variant(name: "NF4, fast \(QuantizedTensor.fastGEMVKernel) GEMV", model: try nf4.quantized(type: .nf4, gemvPath: .fast)))
        return out
    }

    /// Bytes one decoded token reads: every projection as stored, the output head (fp32 here) and
    /// one embedding row.
    static func bytesPerToken(_ model: LlamaModel) -> Int {
        let linears = model.linears.values.reduce(0) { sum, layer in
            switch layer {
            case let q as QuantizedLinear: return sum + q.weight.packed.count + q.weight.scales.byteCount
            case let g as GGUFLinear: return sum + g.info.range.count
            default: return sum + layer.inFeatures * layer.outFeatures * 4
            }
        }
        let c = model.config
        return linears + c.vocabSize * c.hiddenSize * 4 + c.hiddenSize * 4
    }

    static func run(path: String, tokens: Int, promptTokens: Int = 128) throws {
        let stream = QuantBench.StreamBuffer(bytes: 512 << 20)
        for variant in try variants(path: path) {
            let llama = LlamaInference(model: variant.model)
            let c = llama.config
            let steps = min(tokens, c.maxPositions - promptTokens - 1)
            // Decode, then the streaming read right after it, so both see the same machine load.
            let decodeSeconds = greedyDecodeSeconds(llama, steps: steps)
            let streamSeconds = QuantBench.best(5) { stream.read() }
            let bandwidth = Double(stream.bytes) / streamSeconds
            let bytes = Double(bytesPerToken(variant.model))
            let perSecond = Double(steps) / decodeSeconds, bound = bandwidth / bytes

            let prompt = (0..<promptTokens).map { ($0 * 7919 + 11) % c.vocabSize }
            let promptSeconds = QuantBench.best(2) { _ = llama.step([prompt], attentionMask: nil, cache: llama.makeCache(batch: 1, capacity: promptTokens)) }
            let flops = 2 * Double(promptTokens) * Double(c.expectedShapes().filter { $0.value.count == 2 }.values.reduce(0) { $0 + Shape.count($1) }
                                                           + (c.tieWordEmbeddings ? c.vocabSize * c.hiddenSize : 0) - c.vocabSize * c.hiddenSize)
            let sgemmFlops = sgemmRate(m: promptTokens, k: c.hiddenSize, n: c.intermediateSize)
            print(String(format: "%@: decode %.1f tokens/s, %.1f MB per token; streaming read %.1f GB/s bounds it at %.1f tokens/s (ratio %.2f)",
                         variant.name, perSecond, bytes / 1e6, bandwidth / 1e9, bound, perSecond / bound))
            print(String(format: "%@: prompt of %d tokens %.1f tokens/s = %.1f GFLOP/s; cblas_sgemm %dx%dx%d %.1f GFLOP/s (ratio %.2f)",
                         variant.name, promptTokens, Double(promptTokens) / promptSeconds, flops / promptSeconds / 1e9,
                         promptTokens, c.hiddenSize, c.intermediateSize, sgemmFlops / 1e9, flops / promptSeconds / sgemmFlops))
        }
        print("anchor: llama.cpp was not built here (llama-cpp-python compiles llama.cpp from its sdist; not run in this benchmark)")
    }

    /// Seconds to decode `steps` greedy tokens one at a time from BOS, after one untimed warm-up step.
    static func greedyDecodeSeconds(_ llama: LlamaInference, steps: Int) -> Double {
        let cache = llama.makeCache(batch: 1, capacity: steps + 1)
        var token = llama.config.bosTokenID
        _ = llama.step([[token]], attentionMask: nil, cache: cache)
        let start = DispatchTime.now()
        for _ in 0..<steps {
            let logits = llama.step([[token]], attentionMask: nil, cache: cache)
            token = logits.withUnsafeBufferPointer { Sampler.argmax($0) }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// FLOP/s of cblas_sgemm at [m, k] x [k, n]ᵀ, best of five.
    static func sgemmRate(m: Int, k: Int, n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: n * k)
        var y = [Float](repeating: 0, count: m * n)
        let seconds = QuantBench.best(5) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, &y, Int32(n))
        }
        return 2 * Double(m * k * n) / seconds
    }
}
