import ArgumentParser
import Foundation
import Llama
import Tensor
import ToolSupport

extension LlamaTool {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode tokens/s of a random stories15M-shaped model (dim 288, 6 layers, 6 heads, vocab 32000).",
            discussion: """
            With --kernels, the 4-bit kernel micro-benchmarks instead: NF4 GEMV bandwidth against a streaming read, \
            L3-resident GEMV against cblas_sgemv, GEMM against cblas_sgemm, bits per parameter, and the GGUF \
            Q4_1 GEMV against the same streaming read. The fast GEMV runs the best kernel this CPU supports \
            (AVX-512 VNNI, AVX2 or portable, printed first); EXPLAININGHATE_KERNEL=portable|avx2|avx512 caps it.
            """)

        @Option(help: "Tokens to decode.") var tokens: Int = 256
        @Option(help: "Threads (default: all cores).") var threads: Int?
        @Option(help: "A real model to benchmark instead of the random one (smollm2, a .gguf, ...): decode and prompt speed of each encoding of its base.") var model: String?
        @Option(help: "C source of the llama2.c run.c decode loop to build with gcc and run beside ours (skipped when absent).")
        var anchorSource = "Scripts/bench/anchor.c"
        @Flag(help: "Run the 4-bit kernel micro-benchmarks instead of decode.") var kernels = false

        func run() throws {
            if let threads { Parallel.threads = threads }
            if kernels {
                QuantBench.run()
                return
            }
            if let model {
                try ModelBench.run(path: try resolveModelPath(model), tokens: tokens)
                return
            }
            let llama = try Self.randomStories15M()
            let c = llama.config
            let steps = min(tokens, c.maxPositions - 1)
            let seconds = ModelBench.greedyDecodeSeconds(llama, steps: steps)
            let perSecond = Double(steps) / seconds
            let weightBytes = Double(c.expectedShapes().values.reduce(0) { $0 + Shape.count($1) }) * 4
            print(String(format: "decode: %d tokens in %.3f s = %.1f tokens/s (%d threads); weights %.1f MB, %.1f GB/s streamed",
                         steps, seconds, perSecond, Parallel.threads, weightBytes / 1e6, weightBytes * perSecond / 1e9))
            print(runAnchor(tokens: steps) ?? "anchor: skipped (gcc or \(anchorSource) missing, or run.c failed)")
        }

        /// Builds and runs the C anchor with the same thread count; nil when gcc or the source is missing.
        func runAnchor(tokens: Int) -> String? {
            guard FileManager.default.fileExists(atPath: anchorSource) else { return nil }
            let binary = NSTemporaryDirectory() + "llama-anchor-\(getpid())"
            defer { unlink(binary) }
            func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) -> String? {
                guard let result = runSubprocess(tool, arguments, environment: environment), result.status == 0 else { return nil }
                return result.output
            }
            guard run("gcc", ["-Ofast", "-march=native", "-fopenmp", anchorSource, "-lm", "-o", binary]) != nil else { return nil }
            return run(binary, [String(tokens)], environment: ["OMP_NUM_THREADS": String(Parallel.threads)])?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static func randomStories15M() throws -> LlamaInference {
            let config = LlamaConfig(hiddenSize: 288, intermediateSize: 768, numLayers: 6, numHeads: 6, numKVHeads: 6,
                                     vocabSize: 32000, maxPositions: 256, tieWordEmbeddings: true)
            var rng = RandomGenerator(seed: 15)
            var weights: [String: Tensor] = [:]
            for (name, shape) in config.expectedShapes() {
                weights[name] = shape.count == 1 ? Tensor(repeating: 1, shape: shape) : Tensor.normal(shape, std: 0.02, generator: &rng)
            }
            return try LlamaInference(config: config, weights: weights, file: "random stories15M")
        }
    }
}
