import ArgumentParser
import Foundation
import Llama
import QLoRA
import Tensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: QLoRA training step (NF4 base, r 8, batch 4 x 64), paged optimizer overhead, merge cost vs generation.")

    @Option(name: both("model"), help: "A real model to time as well (stories260K, say).") var model: String?
    @Option(name: both("steps")) var steps = 5

    func run() throws {
        try userFacing {
            var models: [(String, LlamaModel)] = [("stories15M-shaped (random)", LlamaModel.randomlyInitialized(config: QLoRABenchmark.stories15MShape, seed: 1))]
            if let model { models.insert((URL(fileURLWithPath: model).lastPathComponent, try loadModel(model, tokenizer: nil, requireTokenizer: false).0), at: 0) }
            print("QLoRA training step: NF4 base with double quantization, LoRA r 8 on all seven projections, batch 4 x 64 tokens, \(Parallel.threads) threads")
            for (name, dense) in models {
                let quantized = QLoRABenchmark.nf4(dense)
                let plain = QLoRABenchmark.trainingStep(quantized, name: name, steps: steps)
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qlora-bench-\(ProcessInfo.processInfo.processIdentifier)")
                defer { try? FileManager.default.removeItem(at: dir) }
                // Page every LoRA state tensor and keep almost nothing resident, the worst case for paging.
                let paged = QLoRABenchmark.trainingStep(quantized, name: name, steps: steps,
                                                        store: try PagedStateStore(directory: dir, budgetBytes: 1 << 16, minimumPagedElements: 1024))
                let fp32 = QLoRABenchmark.trainingStep(dense, name: name, steps: steps)
                print(String(format: "  %@: %.3f s/step, %.0f tokens/s (fp32 base: %.3f s/step); paged optimizer %.3f s/step, overhead %+.1f%%",
                             name, plain.secondsPerStep, plain.tokensPerSecond, fp32.secondsPerStep, paged.secondsPerStep,
                             100 * (paged.secondsPerStep / plain.secondsPerStep - 1)))
            }
            let (name, base) = models[0]
            let (merges, generation) = try QLoRABenchmark.mergeVersusGeneration(base)
            print("Merging three r-8 adapters vs a 200-token greedy generation on \(name) (\(String(format: "%.2f", generation)) s):")
            for (mode, seconds) in merges {
                print(String(format: "  %@ merge: %.4f s = %.2f%% of the generation", mode, seconds, 100 * seconds / generation))
            }
        }
    }
}
