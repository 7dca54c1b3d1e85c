import Autograd
import Foundation
import Llama
import Tensor

/// What a finished run reports.
public struct TrainingSummary: Sendable {
    public var steps: Int
    public var finalLoss: Double?
    public var validationLoss: Double?
    public var tokensPerSecond: Double
    public var adapterDirectory: URL
}

/// QLoRA fine-tuning as the paper's `train.py` (TRL's SFTTrainer) runs it: a LoRA adapter on a
/// frozen base, causal cross-entropy over the text, AdamW with a warmed-up schedule, gradient
/// accumulation and global-norm clipping, checkpoints every `saveSteps`.
///
/// Training examples are visited epoch by epoch in a seeded shuffle; optimizer step k consumes
/// micro-batches k * accumulation ..< (k + 1) * accumulation of that stream, so the data position
/// of a resumed run follows from its step alone and a resumed run repeats the uninterrupted one bit for bit.
public final class Trainer {
    public let model: LlamaModel
    public let options: TrainingOptions
    public let outputDirectory: URL
    let train: [TokenizedExample]
    let validation: [TokenizedExample]
    let padID: Int
    /// Recorded in the saved adapter's config (not in the run's options, so it does not change
    /// what a checkpoint resumes against).
    let baseFingerprint: String
    /// Receives progress lines; the tool prints them.
    public var report: (String) -> Void = { _ in }
    /// Stops after this many optimizer steps without the final save, as a killed run would (tests).
    var stopAfterStep: Int?

    public init(model: LlamaModel, tokenizer: Tokenizer, train: [TrainingExample], validation: [TrainingExample],
                options: TrainingOptions, outputDirectory: URL) throws {
        guard !train.isEmpty else { throw DatasetError(file: outputDirectory.path, location: "training data", message: "no training examples") }
        try options.validate()
        try TrainableLoRA.checkTargets(options.lora, model: model)
        let alreadyQuantized = model.linears.values.contains { $0 is QuantizedLinear }
        self.model = try options.baseQuantization.map { alreadyQuantized ? model : try model.quantized(type: $0) } ?? model
        self.options = options
        self.outputDirectory = outputDirectory
        self.train = TrainingBatcher.tokenize(train, tokenizer: tokenizer, maxSeqLength: options.maxSeqLength, completionOnly: options.completionOnly)
        self.validation = TrainingBatcher.tokenize(validation, tokenizer: tokenizer, maxSeqLength: options.maxSeqLength, completionOnly: options.completionOnly)
        padID = model.config.eosTokenID
        dataHash = Self.hash(self.train)
        baseFingerprint = BaseFingerprint.of(config: model.config, tokenizer: tokenizer)
        // Positions past the context have no RoPE angles; user data must not get that far.
        for (split, examples) in [("training", self.train), ("validation", self.validation)] {
            if let index = examples.firstIndex(where: { $0.ids.count > model.config.maxPositions }) {
                throw TrainingError.exampleTooLong(split: split, index: index, tokens: examples[index].ids.count, context: model.config.maxPositions)
            }
        }
    }

    var batchesPerEpoch: Int { (train.count + options.perDeviceTrainBatchSize - 1) / options.perDeviceTrainBatchSize }

    /// The examples of global micro-batch `index`.
    func microBatch(_ index: Int) -> TrainingBatch {
        let epoch = index / batchesPerEpoch, position = index % batchesPerEpoch
        var order = Array(train.indices)
        var rng = RandomGenerator(seed: options.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let start = position * options.perDeviceTrainBatchSize
        let items = order[start..<min(start + options.perDeviceTrainBatchSize, order.count)].map { train[$0] }
        return TrainingBatcher.collate(items, padID: padID)
    }

    /// Identifies the settings and data a checkpoint belongs to, so a resume with other settings, other
    /// records or the same records in another order (which would change every later batch) is refused.
    var fingerprint: String {
        "seed=\(options.seed) batch=\(options.perDeviceTrainBatchSize) accumulation=\(options.gradientAccumulationSteps) examples=\(train.count) steps=\(options.totalSteps(examples: train.count)) r=\(options.lora.r) data=\(String(dataHash, radix: 16))"
    }

    /// FNV-1a (64-bit) over the tokenized training examples in order: each one's length, ids and labels.
    let dataHash: UInt64

    static func hash(_ examples: [TokenizedExample]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: Int) {
            withUnsafeBytes(of: Int64(value).littleEndian) { for b in $0 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        }
        for e in examples {
            mix(e.ids.count)
            e.ids.forEach(mix)
            e.labels.forEach(mix)
        }
        return h
    }

    /// Mean loss over the validation examples, without dropout or graph.
    public func validationLoss(_ lora: TrainableLoRA) -> Double? {
        guard !validation.isEmpty else { return nil }
        let saved = lora.dropoutGenerator
        lora.dropoutGenerator = nil
        defer { lora.dropoutGenerator = saved }
        var total = 0.0, tokens = 0
        for start in stride(from: 0, to: validation.count, by: options.perDeviceTrainBatchSize) {
            let batch = TrainingBatcher.collate(Array(validation[start..<min(start + options.perDeviceTrainBatchSize, validation.count)]), padID: padID)
            guard batch.tokenCount > 0 else { continue }
            let loss = noGrad { CausalLMLoss.loss(logits: model.forward(batch.ids, attentionMask: batch.attentionMask, linears: lora), labels: batch.labels).value.item }
            total += Double(loss) * Double(batch.tokenCount)
            tokens += batch.tokenCount
        }
        return tokens > 0 ? total / Double(tokens) : nil
    }

    public func run(resume: Bool) throws -> TrainingSummary {
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        for path in StaleTemporaries.remove(in: outputDirectory) { report("removed \(path), left by a run that died while writing it") }
        let totalSteps = options.totalSteps(examples: train.count)
        let schedule = options.schedule(totalSteps: totalSteps)
        let store: OptimizerStateStore = options.optimizer == .pagedAdamW32bit
            ? try PagedStateStore(directory: outputDirectory.appendingPathComponent(".optimizer-pages"), budgetBytes: options.optimizerMemoryBudget,
                                   minimumPagedElements: options.pagedMinimumElements)
            : InMemoryStateStore()
        let optimizer = AdamW(learningRate: options.learningRate, weightDecay: options.weightDecay, state: store)
        var lora = TrainableLoRA(model: model, config: options.lora, seed: options.seed)
        lora.dropoutGenerator = RandomGenerator(seed: options.seed &+ 1)
        var step = 0
        var history: [TrainingLogEntry] = []
        let checkpoints = resume ? TrainerCheckpoint.all(in: outputDirectory) : []
        if let newest = checkpoints.first {
            // A checkpoint that cannot be read (a corrupt file) gives way to the one before it.
            var loaded: (checkpoint: TrainerCheckpoint, adapter: LoRAAdapter, url: URL)?
            var firstFailure: Error?
            for candidate in checkpoints {
                do {
                    let (checkpoint, adapter) = try TrainerCheckpoint.read(candidate.url)
                    loaded = (checkpoint, adapter, candidate.url)
                    break
                } catch {
                    firstFailure = firstFailure ?? error
                    report("cannot resume from \(candidate.url.lastPathComponent): \(error)")
                }
            }
            guard let loaded else { throw firstFailure! }
            let (checkpoint, adapter, latest) = loaded
            if latest != newest.url { report("falling back to \(latest.lastPathComponent), the newest complete checkpoint") }
            guard checkpoint.fingerprint == fingerprint else {
                throw AdapterError(file: latest.path, field: "fingerprint", message: "checkpoint was made with \(checkpoint.fingerprint), this run has \(fingerprint)")
            }
            // An edited step past the run's end would skip training and save the checkpoint's adapter as the result.
            guard checkpoint.step >= 1, checkpoint.step <= totalSteps, latest.lastPathComponent == "\(TrainerCheckpoint.prefix)\(checkpoint.step)" else {
                throw AdapterError(file: latest.appendingPathComponent("trainer_state.json").path, field: "global_step",
                                   message: "\(checkpoint.step) is not this checkpoint's step (\(latest.lastPathComponent)) within this run's \(totalSteps) steps")
            }
            checkpoint.restore(into: optimizer)
            lora = TrainableLoRA(model: model, adapter: adapter)
            lora.dropoutGenerator = RandomGenerator(state: checkpoint.dropoutState)
            step = checkpoint.step
            history = checkpoint.history
            report("resuming from \(latest.lastPathComponent) at step \(step) of \(totalSteps)")
        }
        // The best adapter so far lives in best/, written when an evaluation improves on every earlier
        // one (the untrained one included), so a resumed run recovers both the best and the patience
        // count from the log.
        let bestDirectory = outputDirectory.appendingPathComponent("best")
        if step == 0, let v = validationLoss(lora) {
            history.append(TrainingLogEntry(step: 0, epoch: 0, evalLoss: v))
            try lora.adapter.save(to: bestDirectory)
            report(String(format: "step 0 validation loss %.4f", v))
        }
        func evaluationsSinceBest() -> Int {
            let losses = history.compactMap(\.evalLoss)
            guard let best = losses.indices.min(by: { losses[$0] < losses[$1] }) else { return 0 }
            return losses.count - 1 - best
        }
        var stoppedEarly = false
        let params = lora.parameters
        let started = Date(), startStep = step
        var tokensSinceStart = 0
        var lastLoss: Double?
        while step < totalSteps {
            let stepStart = Date()
            var lossSum = 0.0, tokens = 0
            for micro in 0..<options.gradientAccumulationSteps {
                let batch = microBatch(step * options.gradientAccumulationSteps + micro)
                guard batch.tokenCount > 0 else { continue }
                let logits = model.forward(batch.ids, attentionMask: batch.attentionMask, linears: lora,
                                           checkpointLayers: options.gradientCheckpointing)
                let loss = CausalLMLoss.loss(logits: logits, labels: batch.labels) * (1 / Float(options.gradientAccumulationSteps))
                loss.backward()
                lossSum += Double(loss.value.item)
                tokens += batch.ids.count * batch.ids[0].count
            }
            let grads = params.map { $0.variable.grad ?? Tensor(zeros: $0.variable.shape) }
            let norm = GradientClipping.clip(grads, maxNorm: options.maxGradNorm)
            // One NaN update makes every later step NaN; stop before it reaches the adapter or a checkpoint.
            guard lossSum.isFinite && norm.isFinite else {
                throw TrainingError.nonFinite(step: step + 1, loss: lossSum, gradientNorm: Double(norm))
            }
            let lr = schedule.learningRate(at: step)
            optimizer.learningRate = lr
            optimizer.update(zip(params, grads).map { ($0.name, $0.variable.value, $1) })
            params.forEach { $0.variable.zeroGrad() }
            step += 1
            tokensSinceStart += tokens
            lastLoss = lossSum
            let elapsed = Date().timeIntervalSince(started)
            let tps = Double(tokens) / max(Date().timeIntervalSince(stepStart), 1e-9)
            let epoch = Double(step * options.gradientAccumulationSteps) / Double(batchesPerEpoch)
            if step % max(options.loggingSteps, 1) == 0 || step == totalSteps {
                history.append(TrainingLogEntry(step: step, epoch: epoch, loss: lossSum, learningRate: lr, gradNorm: Double(norm), tokensPerSecond: tps))
                let eta = elapsed / Double(step - startStep) * Double(totalSteps - step)
                report(String(format: "step %d/%d | loss %.4f | lr %.2e | grad norm %.3f | %.0f tok/s | ETA %@",
                              step, totalSteps, lossSum, lr, norm, tps, Self.clock(eta)))
            }
            if options.evalSteps > 0 && step % options.evalSteps == 0, let v = validationLoss(lora) {
                let best = history.compactMap(\.evalLoss).min() ?? .infinity
                history.append(TrainingLogEntry(step: step, epoch: epoch, evalLoss: v))
                if v < best { try lora.adapter.save(to: bestDirectory) }
                report(String(format: "step %d validation loss %.4f%@", step, v, v < best ? " (best)" : String(format: " (best %.4f)", best)))
                if options.earlyStoppingPatience > 0 && evaluationsSinceBest() >= options.earlyStoppingPatience {
                    report("early stop: \(options.earlyStoppingPatience) evaluations without a lower validation loss")
                    stoppedEarly = true
                }
            }
            try writeAtomically(TrainingLogEntry.jsonLines(history), to: outputDirectory.appendingPathComponent("training_log.jsonl"))
            if options.saveSteps > 0 && step % options.saveSteps == 0 {
                try TrainerCheckpoint(step: step, dropoutState: lora.dropoutGenerator?.state ?? [0, 0, 0, 0], history: history, fingerprint: fingerprint)
                    .write(adapter: lora.adapter, optimizer: optimizer, names: params.map(\.name), to: outputDirectory)
            }
            if let stop = stopAfterStep, step >= stop {
                return TrainingSummary(steps: step, finalLoss: lastLoss, validationLoss: nil, tokensPerSecond: 0, adapterDirectory: outputDirectory)
            }
            if stoppedEarly { break }
        }
        var validationLoss = history.last?.step == step ? history.last?.evalLoss : nil
        if validationLoss == nil, let v = self.validationLoss(lora) {
            let best = history.compactMap(\.evalLoss).min() ?? .infinity
            history.append(TrainingLogEntry(step: step, epoch: Double(step * options.gradientAccumulationSteps) / Double(batchesPerEpoch), evalLoss: v))
            if v < best { try lora.adapter.save(to: bestDirectory) }
            report(String(format: "final validation loss %.4f", v))
            validationLoss = v
        }
        try writeAtomically(TrainingLogEntry.jsonLines(history), to: outputDirectory.appendingPathComponent("training_log.jsonl"))
        try writeAtomically(Data(LossCurveSVG.render(history, title: "QLoRA training loss").utf8), to: outputDirectory.appendingPathComponent("loss_curve.svg"))
        if let best = history.compactMap(\.evalLoss).min(), FileManager.default.fileExists(atPath: bestDirectory.path) {
            // The adapter of the best validation loss is the result, as load_best_model_at_end.
            var adapter = try LoRAAdapter.load(directory: bestDirectory)
            adapter.config.baseFingerprint = baseFingerprint
            try adapter.save(to: outputDirectory)
            try? FileManager.default.removeItem(at: bestDirectory)
            if best != validationLoss { report(String(format: "kept the adapter of the best validation loss %.4f", best)) }
            validationLoss = best
        } else {
            var adapter = lora.adapter
            adapter.config.baseFingerprint = baseFingerprint
            try adapter.save(to: outputDirectory)
        }
        let seconds = Date().timeIntervalSince(started)
        return TrainingSummary(steps: step, finalLoss: lastLoss, validationLoss: validationLoss,
                               tokensPerSecond: seconds > 0 ? Double(tokensSinceStart) / seconds : 0, adapterDirectory: outputDirectory)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
