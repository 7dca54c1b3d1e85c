import ArgumentParser
import Foundation
import Llama
import QLoRA
import Tensor
import ToolSupport

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: QLoRA training step (NF4 base, r 8, batch 4 x 64), paged optimizer overhead, merge cost vs generation, qlora infer latency.")

    @Option(name: both("model"), help: "A real model to time as well (stories260K, say).") var model: String?
    @Option(name: both("steps"), help: "Timed steps per configuration (the median counts).") var steps = 7
    @Option(name: both("tokenizer"), help: "Tokenizer for --model when it carries none (llama2.c checkpoints).")
    var tokenizer: String?
    @Option(name: both("python"), help: "A Python with torch and peft, to time the same step with PyTorch + PEFT (skipped when it cannot import them).")
    var python = "python3"
    @Flag(name: both("infer_only"), help: "Only the qlora infer latency of the default bundle (skips the training and merge timings).")
    var inferOnly = false

    func run() throws {
        try userFacing {
            if inferOnly { return try printInferLatency() }
            var models: [(String, LlamaModel)] = [("stories15M-shaped (random)", LlamaModel.randomlyInitialized(config: QLoRABenchmark.stories15MShape, seed: 1))]
            if let model { models.insert((URL(fileURLWithPath: model).lastPathComponent, try LlamaModel.load(model)), at: 0) }
            print("QLoRA training step: NF4 base with double quantization, LoRA r 8 on all seven projections, batch 4 x 64 tokens, \(Parallel.threads) threads")
            for (name, dense) in models {
                let quantized = QLoRABenchmark.nf4(dense)
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qlora-bench-\(ProcessInfo.processInfo.processIdentifier)")
                defer { try? FileManager.default.removeItem(at: dir) }
                // A budget of half the LoRA state (8 bytes per parameter), the case paging is for, and
                // the worst case: every state tensor paged, almost nothing resident.
                let stateBytes = 8 * quantized.linears.values.reduce(0) { $0 + 8 * ($1.inFeatures + $1.outFeatures) }
                let timings = QLoRABenchmark.trainingSteps(quantized, name: name, steps: steps, stores: [
                    InMemoryStateStore(),
                    try PagedStateStore(directory: dir.appendingPathComponent("half"), budgetBytes: stateBytes / 2, minimumPagedElements: 1024),
                    try PagedStateStore(directory: dir.appendingPathComponent("worst"), budgetBytes: 1 << 16, minimumPagedElements: 1024),
                ])
                let (plain, half, paged) = (timings[0], timings[1], timings[2])
                let fp32 = QLoRABenchmark.trainingStep(dense, name: name, steps: steps)
                print(String(format: "  %@: %.3f s/step, %.0f tokens/s (fp32 base: %.3f s/step); paged optimizer, budget half the state: %.3f s/step, overhead %+.1f%%; nearly nothing resident: %.3f s/step, overhead %+.1f%%",
                             name, plain.secondsPerStep, plain.tokensPerSecond, fp32.secondsPerStep,
                             half.secondsPerStep, 100 * (half.secondsPerStep / plain.secondsPerStep - 1),
                             paged.secondsPerStep, 100 * (paged.secondsPerStep / plain.secondsPerStep - 1)))
            }
            if let line = peftReference() { print(line) }
            let (name, base) = models[0]
            let (merges, generation) = try QLoRABenchmark.mergeVersusGeneration(base)
            print("Merging three r-8 adapters vs a 200-token greedy generation on \(name) (\(String(format: "%.2f", generation)) s):")
            for (mode, seconds) in merges {
                print(String(format: "  %@ merge: %.4f s = %.2f%% of the generation", mode, seconds, 100 * seconds / generation))
            }
            try printInferLatency()
        }
    }

    /// Per-statement latency of `qlora infer` (routing + merge + the grounded explained answer) on
    /// the default bundle as it ships (decode on the int8 GEMV with a 4-bit head copy) beside the
    /// same bundle decoding with the fp32 head, and with the exact GEMV and the fp32 head (how the
    /// adapters were trained), measured in this run, and how many answers the shipped decode
    /// leaves identical to that reference; with --model, also that model with three random r-8
    /// adapters and a random router.
    func printInferLatency() throws {
        let statements = ["refugees are vermin and should be driven out", "Muslims are welcome in our town",
                          "I had a lovely dinner with my grandmother today and then we walked the dog along the river"]
        let shipped = try buildClassifier(model: nil, tokenizer: nil, adapterSpecs: [], routerPath: nil)
        let reference = try Self.variant(shipped, exactGEMV: true)
        var cases: [(String, ExplainedClassifier)] = [("default bundle", shipped), ("default bundle, fp32 head", try Self.variant(shipped, exactGEMV: false)),
                                                      ("default bundle, exact GEMV + fp32 head", reference)]
        if let model {
            let (base, tokens) = try loadModel(model, tokenizer: tokenizer)
            let adapters = Array(zip(["microblogs", "forums", "wikitalk"], QLoRABenchmark.randomAdapters(base, count: 3, rank: 8, seed: 5)))
            let embedder = BaseModelEmbedder(model: base, tokenizer: tokens)
            let classifier = try ExplainedClassifier(model: base, tokenizer: tokens, mixer: AdapterMixer(model: base, adapters: adapters),
                                                     router: Router(adapterNames: adapters.map(\.0), dimension: embedder.dimension, seed: 1),
                                                     embedder: embedder)
            classifier.promptStyle = .compact
            cases.append(("\(URL(fileURLWithPath: model).lastPathComponent) + three r-8 adapters", classifier))
        }
        print("qlora infer latency per statement (routing + merge + greedy grounded answer up to its end, best of 3, mean over \(statements.count) statements; goal <= 1000 ms):")
        var means: [String: Double] = [:]
        for (name, classifier) in cases {
            var seen = Set<BlendMode>()
            for mode in [shipped.defaultMode, .linear, .top1] where seen.insert(mode).inserted {
                let runs = try statements.map { try QLoRABenchmark.inferLatency(classifier, statement: $0, mode: mode) }
                func mean(_ f: (QLoRABenchmark.InferLatency) -> Double) -> Double { runs.map(f).reduce(0, +) / Double(runs.count) }
                let total = mean(\.total)
                means["\(name)/\(mode.rawValue)"] = total
                print(String(format: "  %@, %@: %.0f ms = routing %.0f + answer %.0f (merge %.1f of it), %.1f tokens",
                             name, mode.rawValue, total * 1e3, mean(\.routing) * 1e3, mean(\.answer) * 1e3, mean(\.merge) * 1e3,
                             mean { Double($0.tokens) }))
            }
        }
        let mode = shipped.defaultMode.rawValue
        if let fast = means["default bundle/\(mode)"], let head = means["default bundle, fp32 head/\(mode)"],
           let exact = means["default bundle, exact GEMV + fp32 head/\(mode)"] {
            print(String(format: "  default mode %@: reference / shipped = %.2fx (fp32 head / shipped = %.2fx)", mode, exact / fast, head / fast))
        }
        // The decoded explanation is what the shipped kernels can change (the label cannot).
        let checks = statements + ["those f****ts should all be locked up", "All immigrants are vermin and should be exterminated.",
                                   "women are too stupid to vote", "I love my gay brother", "go back to your country you dirty muslim",
                                   "The weather in Leeds was awful yesterday", "jews control the banks and the media", "you are a bitch lol"]
        let options = GenerationOptions(maxNewTokens: 200, sampler: .greedyDecoding)
        var same = 0
        for s in checks {
            let a = try shipped.classify(s, mode: shipped.defaultMode, options: options).answers.first
            let b = try reference.classify(s, mode: shipped.defaultMode, options: options).answers.first
            if a?.text == b?.text { same += 1 }
        }
        print("  answers identical to the reference decode, word for word: \(same) of \(checks.count)")
    }

    /// The same detector decoding with the fp32 head, and with `exactGEMV` through the exact GEMV.
    static func variant(_ c: ExplainedClassifier, exactGEMV: Bool) throws -> ExplainedClassifier {
        let linears = c.model.linears.mapValues { layer -> any FrozenLinear in
            guard exactGEMV, let q = layer as? QuantizedLinear else { return layer }
            return QuantizedLinear(weight: q.weight, gemvPath: .exact)
        }
        return try c.onModel(LlamaModel(config: c.model.config, tensors: c.model.tensors, linears: linears))
    }

    /// PyTorch + PEFT timing of the same step from Scripts/bench/peft_step.py; nil when that Python
    /// lacks torch or peft.
    func peftReference() -> String? {
        let script = "Scripts/bench/peft_step.py"
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        guard let result = runSubprocess(python, [script, "--threads", String(Parallel.threads)]) else { return nil }
        guard result.status == 0 else { return "  PyTorch + PEFT: skipped (\(python) cannot import torch and peft; pass --python)" }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
