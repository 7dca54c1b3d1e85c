import Foundation
import Llama
import Tensor

/// Trains the tiny test bundle (a `DefaultBundle` in its older layout, base included) from nothing
/// but the project's own code and synthetic corpus: tokenizer, tiny base model, one LoRA adapter per source, router, and an
/// evaluation of every blend mode on held-out statements, written to `bundle.json`.
/// Deterministic for a given seed and settings.
public enum TinyBundleBuilder {
    public struct Settings: Codable, Sendable, Equatable {
        public var trainPerSource = 300
        public var testPerSource = 60
        public var vocabularySize = 768
        public var hiddenSize = 64
        public var intermediateSize = 172
        public var layers = 4
        public var heads = 4
        public var kvHeads = 2
        public var pretrainSteps = 300
        public var pretrainBatchSize = 16
        public var pretrainLearningRate = 3e-3
        public var loraSteps = 120
        public var loraBatchSize = 8
        public var loraLearningRate = 3e-3
        public var loraR = 8
        public var loraAlpha = 16.0
        public var routerEpochs = 300
        public init() {}
    }

    /// One mode's scores on the held-out statements.
    public struct ModeResult: Codable, Sendable {
        public var mode: String
        public var report: ClassificationReport
        /// Accuracy on each source's held-out statements.
        public var accuracyBySource: [String: Double]
        public var secondsPerStatement: Double
    }

    public struct Summary: Codable, Sendable {
        public var seed: UInt64
        public var settings: Settings
        public var tokenizerPieces: Int
        public var promptTokens: Int
        public var maxNewTokens: Int
        public var pretrainFinalLoss: Double
        public var adapterFinalLoss: [String: Double]
        public var routerAccuracy: Double
        public var modes: [ModeResult]
        public var bytes: Int
        public var seconds: Double
    }

    /// Builds the bundle into `outputDirectory` (created if needed; existing bundle files are replaced).
    @discardableResult
    public static func build(outputDirectory: URL, seed: UInt64 = 4761, settings: Settings = Settings(),
                             log: @escaping (String) -> Void = { _ in }) throws -> Summary {
        let started = Date()
        let fm = FileManager.default
        let sources = SyntheticCorpus.sources
        let train = SyntheticCorpus.generate(perSource: settings.trainPerSource, seed: seed)
        let test = SyntheticCorpus.generate(perSource: settings.testPerSource, seed: seed &+ 1_000_003)

        let tokenizer = TokenizerTrainer.train(texts: train.map { PromptFormat.trainingText($0) }, vocabularySize: settings.vocabularySize)
        let trainingIDs = train.map { tokenizer.encode(PromptFormat.trainingText($0), addBOS: true) }
        let promptTokens = tokenizer.encode(PromptFormat.prompt(statement: ""), addBOS: true).count
        let longest = trainingIDs.map(\.count).max()!
        // Answer tokens up to and including the label line: how far greedy decoding must run.
        let untilLabel = train.map { r in
            let answer = PromptFormat.answer(r)
            let labelEnd = answer.range(of: "Classification: \(r.label.rawValue)\n")!.upperBound
            let prompt = PromptFormat.prompt(statement: r.statement)
            return tokenizer.encode(prompt + answer[..<labelEnd], addBOS: true).count - tokenizer.encode(prompt, addBOS: true).count
        }.max()!
        let maxNewTokens = untilLabel + 8
        log("tokenizer: \(tokenizer.vocabularySize) pieces; prompt \(promptTokens) tokens, longest training text \(longest), label within \(untilLabel) answer tokens")

        let config = LlamaConfig(hiddenSize: settings.hiddenSize, intermediateSize: settings.intermediateSize, numLayers: settings.layers,
                                 numHeads: settings.heads, numKVHeads: settings.kvHeads, vocabSize: tokenizer.vocabularySize,
                                 rmsNormEps: 1e-5, maxPositions: (longest + 64 + 63) / 64 * 64)
        let base = TrainableLlama(config: config, seed: seed)
        var pretrainOptions = Pretraining.Options()
        pretrainOptions.steps = settings.pretrainSteps
        pretrainOptions.batchSize = settings.pretrainBatchSize
        pretrainOptions.learningRate = settings.pretrainLearningRate
        pretrainOptions.seed = seed
        let lmTexts = train.map { tokenizer.encode($0.statement + "\n\n" + PromptFormat.answer($0), addBOS: true) }
        let pretrainStart = Date()
        let lmLosses = Pretraining.train(base, sequences: lmTexts, options: pretrainOptions) { step, loss in
            if step % 25 == 0 { log(String(format: "pretrain step %d/%d loss %.4f (%.0fs)", step, settings.pretrainSteps, loss, Date().timeIntervalSince(pretrainStart))) }
        }
        try fm.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        try base.save(to: DefaultBundle.baseDirectory(in: outputDirectory))
        try tokenizer.writeLlama2cBinary(to: DefaultBundle.tokenizerURL(in: outputDirectory))
        let model = base.model

        var adapters: [(name: String, adapter: LoRAAdapter)] = []
        var adapterLosses: [String: Double] = [:]
        let scratch = fm.temporaryDirectory.appendingPathComponent("default-bundle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? fm.removeItem(at: scratch) }
        for (index, source) in sources.enumerated() {
            var options = TrainingOptions()
            options.seed = seed &+ UInt64(index + 1)
            options.optimizer = .adamW32bit
            options.perDeviceTrainBatchSize = settings.loraBatchSize
            options.maxSteps = settings.loraSteps
            options.learningRate = settings.loraLearningRate
            options.warmupSteps = 10
            options.maxGradNorm = 1
            options.saveSteps = 0
            options.loggingSteps = 20
            options.baseQuantization = nil
            options.maxSeqLength = config.maxPositions
            options.lora = LoRAConfig(r: settings.loraR, alpha: settings.loraAlpha, dropout: 0.05, baseModel: "default-bundle/base")
            let examples = train.filter { $0.source == source }.map { TrainingExample(record: $0) }
            let trainer = try Trainer(model: model, tokenizer: tokenizer, train: examples, validation: [], options: options,
                                      outputDirectory: scratch.appendingPathComponent(source))
            trainer.report = { log("\(source): \($0)") }
            let summary = try trainer.run(resume: false)
            adapterLosses[source] = summary.finalLoss ?? .nan
            let adapter = try LoRAAdapter.load(directory: summary.adapterDirectory)
            try adapter.save(to: DefaultBundle.adapterDirectory(source, in: outputDirectory))
            adapters.append((source, adapter))
        }

        let embedder = BaseModelEmbedder(model: model, tokenizer: tokenizer)
        var router = Router(adapterNames: sources, dimension: config.hiddenSize, seed: seed)
        let trainEmbeddings = try embedder.embed(train.map(\.statement))
        RouterTraining.train(&router, embeddings: trainEmbeddings, labels: train.map { sources.firstIndex(of: $0.source)! },
                             options: RouterTraining.Options(epochs: settings.routerEpochs, learningRate: 1e-2))
        try router.save(to: DefaultBundle.routerURL(in: outputDirectory))
        let testGates = try router.probabilities(embedder.embed(test.map(\.statement)))
        let routed = (0..<test.count).map { i in (0..<sources.count).max { testGates[i, $0] < testGates[i, $1] }! }
        let routerAccuracy = Double(zip(routed, test).filter { sources[$0] == $1.source }.count) / Double(test.count)
        log(String(format: "router accuracy on held-out statements %.3f", routerAccuracy))

        let classifier = try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: AdapterMixer(model: model, adapters: adapters),
                                                 router: router, embedder: embedder)
        let generation = GenerationOptions(maxNewTokens: maxNewTokens, sampler: Sampler(greedy: true), seed: seed)
        var modes: [ModeResult] = []
        let evaluated: [(String, BlendMode, Int?)] = sources.indices.map { (sources[$0], BlendMode.top1, $0) }
            + [("top1", .top1, nil), ("linear", .linear, nil), ("cat", .cat, nil), ("top2", .top2, nil)]
        for (name, mode, forced) in evaluated {
            let modeStart = Date()
            var predicted: [HateLabel?] = []
            for (i, record) in test.enumerated() {
                let gates = forced.map { f in sources.indices.map { $0 == f ? 1.0 : 0.0 } } ?? (0..<sources.count).map { Double(testGates[i, $0]) }
                predicted.append(try classifier.classify(record.statement, mode: mode, gates: gates, options: generation).label)
            }
            let report = ClassificationReport(truth: test.map(\.label), predicted: predicted)
            var bySource: [String: Double] = [:]
            for source in sources {
                let idx = test.indices.filter { test[$0].source == source }
                bySource[source] = Double(idx.filter { predicted[$0] == test[$0].label }.count) / Double(idx.count)
            }
            let seconds = Date().timeIntervalSince(modeStart) / Double(test.count)
            modes.append(ModeResult(mode: name, report: report, accuracyBySource: bySource, secondsPerStatement: seconds))
            log(String(format: "%@: accuracy %.3f macro-F1 %.3f (%.2fs per statement)", name, report.accuracy, report.macroF1, seconds))
        }

        var summary = Summary(seed: seed, settings: settings, tokenizerPieces: tokenizer.vocabularySize, promptTokens: promptTokens,
                              maxNewTokens: maxNewTokens, pretrainFinalLoss: Double(lmLosses.last ?? .nan), adapterFinalLoss: adapterLosses,
                              routerAccuracy: routerAccuracy, modes: modes, bytes: 0, seconds: Date().timeIntervalSince(started))
        summary.bytes = try DefaultBundle.bytes(outputDirectory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(encoder.encode(summary), to: DefaultBundle.reportURL(in: outputDirectory))
        return summary
    }
}
