import Foundation
import Llama
import Tensor

/// Timings behind `qlora bench`: a QLoRA training step, the paged optimizer's overhead, and the
/// cost of merging adapters against generating an answer. Each ratio compares two measurements
/// taken in the same run.
public enum QLoRABenchmark {
    public struct StepTiming: Sendable {
        public var name: String
        public var secondsPerStep: Double
        public var tokensPerSecond: Double
    }

    /// The stories15M shape (dim 288, 6 layers, 6 heads, hidden 768, vocab 32000).
    public static let stories15MShape = LlamaConfig(hiddenSize: 288, intermediateSize: 768, numLayers: 6, numHeads: 6, numKVHeads: 6,
                                                    vocabSize: 32000, maxPositions: 256)

    /// The model with its decoder linears quantized to NF4 with double quantization.
    public static func nf4(_ model: LlamaModel) -> LlamaModel {
        model.replacingLinears { _, layer in
            guard let dense = layer as? DenseLinear else { return layer }
            return QuantizedLinear(quantizing: dense.weight)
        }
    }

    /// Median time of a LoRA training step (forward, backward, clipping, AdamW) on random tokens,
    /// after one warm-up step; the median shrugs off a step slowed by another process.
    public static func trainingStep(_ model: LlamaModel, name: String, rank: Int = 8, batch: Int = 4, sequence: Int = 64,
                                    steps: Int = 5, store: OptimizerStateStore = InMemoryStateStore()) -> StepTiming {
        trainingSteps(model, name: name, rank: rank, batch: batch, sequence: sequence, steps: steps, stores: [store])[0]
    }

    /// Median step times of the same training run with each optimizer state store, the stores taking
    /// turns step by step so that a drift in machine speed reaches all of them alike.
    public static func trainingSteps(_ model: LlamaModel, name: String, rank: Int = 8, batch: Int = 4, sequence: Int = 64,
                                     steps: Int = 5, stores: [OptimizerStateStore]) -> [StepTiming] {
        var rng = RandomGenerator(seed: 2)
        let ids = (0..<batch).map { _ in (0..<sequence).map { _ in Int(rng.next() % UInt64(model.config.vocabSize)) } }
        let runs = stores.map { store -> () -> Void in
            let lora = TrainableLoRA(model: model, config: LoRAConfig(r: rank, alpha: Double(2 * rank), dropout: 0), seed: 1)
            let optimizer = AdamW(learningRate: 1e-4, state: store)
            let params = lora.parameters
            return {
                let loss = CausalLMLoss.loss(logits: model.forward(ids, linears: lora), labels: ids)
                loss.backward()
                let grads = params.map { $0.variable.grad! }
                GradientClipping.clip(grads, maxNorm: 0.3)
                optimizer.update(zip(params, grads).map { ($0.name, $0.variable.value, $1) })
                params.forEach { $0.variable.zeroGrad() }
            }
        }
        runs.forEach { $0() }
        var times = [[Double]](repeating: [], count: runs.count)
        for _ in 0..<steps {
            for (i, run) in runs.enumerated() {
                let start = Date()
                run()
                times[i].append(Date().timeIntervalSince(start))
            }
        }
        return times.map { t in
            let seconds = t.sorted()[t.count / 2]
            return StepTiming(name: name, secondsPerStep: seconds, tokensPerSecond: Double(batch * sequence) / seconds)
        }
    }

    /// `count` adapters of rank `rank` on every linear of `model`, with N(0, 0.02) factors.
    public static func randomAdapters(_ model: LlamaModel, count: Int, rank: Int, seed: UInt64) -> [LoRAAdapter] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            var modules: [String: LoRAWeights] = [:]
            for (path, layer) in model.linears {
                modules[path] = LoRAWeights(a: Tensor.normal([rank, layer.inFeatures], std: 0.02, generator: &rng),
                                            b: Tensor.normal([layer.outFeatures, rank], std: 0.02, generator: &rng))
            }
            return LoRAAdapter(config: LoRAConfig(r: rank, alpha: Double(2 * rank)), modules: modules)
        }
    }

    /// Seconds to merge three rank-`rank` adapters of `model` in each mode (best of 5), and to
    /// generate `tokens` tokens with the merged adapter.
    public static func mergeVersusGeneration(_ model: LlamaModel, rank: Int = 8, tokens: Int = 200) throws -> (merge: [(String, Double)], generation: Double) {
        let adapters = randomAdapters(model, count: 3, rank: rank, seed: 3)
        var merges: [(String, Double)] = []
        var merged = adapters[0]
        for (name, mode) in [("linear", AdapterMerge.Mode.linear), ("cat", .cat), ("svd", .svd(rank: nil))] {
            var best = Double.infinity
            for _ in 0..<5 {
                let start = Date()
                merged = try AdapterMerge.merge(adapters, weights: [0.5, 0.3, 0.2], mode: mode, names: ["a", "b", "c"])
                best = min(best, Date().timeIntervalSince(start))
            }
            merges.append((name, best))
        }
        merged = try AdapterMerge.merge(adapters, weights: [0.5, 0.3, 0.2], mode: .linear, names: ["a", "b", "c"])
        let provider = AdaptedLinears(model: model, adapters: [merged], gates: [1])
        let start = Date()
        _ = try model.generate(prompt: [model.config.bosTokenID], options: GenerationOptions(maxNewTokens: tokens, sampler: .greedyDecoding, stopAtEOS: false),
                           linears: provider)
        return (merges, Date().timeIntervalSince(start))
    }

    /// One statement through `qlora infer`: routing, merging, answering, in seconds.
    public struct InferLatency: Sendable {
        /// Embedding the statement with the base and the router's MLP (uncached).
        public var routing: Double
        /// Mixing the adapters for the gates (also inside `answer`, shown apart).
        public var merge: Double
        /// `classify` with the gates given: merge, the prompt's forward pass, the grammar-guided
        /// explained answer up to its end of turn.
        public var answer: Double
        /// Tokens the answer generated.
        public var tokens: Int
        public var total: Double { routing + answer }
    }

    /// The best of `repeats` runs of each stage of `qlora infer` for `statement` under `mode`:
    /// greedy, grounded, up to 200 new tokens, as the tool runs it.
    public static func inferLatency(_ classifier: ExplainedClassifier, statement: String, mode: BlendMode,
                                    repeats: Int = 3) throws -> InferLatency {
        func time<R>(_ body: () throws -> R) rethrows -> (R, Double) {
            let start = Date()
            let r = try body()
            return (r, Date().timeIntervalSince(start))
        }
        var best = InferLatency(routing: .infinity, merge: .infinity, answer: .infinity, tokens: 0)
        for _ in 0..<repeats {
            // The classifier caches gates per statement; routing is timed without that cache.
            let (gates, routing) = try time { try classifier.routedGates(statement) }
            let (_, merge) = try time { try classifier.mixer.provider(mode: mode, gates: gates).0 }
            var tokens = 0
            let (_, answer) = try time {
                try classifier.classify(statement, mode: mode, gates: gates,
                                        options: GenerationOptions(maxNewTokens: 200, sampler: .greedyDecoding)) { _, _ in tokens += 1 }
            }
            best.routing = min(best.routing, routing)
            best.merge = min(best.merge, merge)
            best.answer = min(best.answer, answer)
            best.tokens = tokens
        }
        return best
    }
}
