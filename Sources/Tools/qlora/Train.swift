import ArgumentParser
import Foundation
import Llama
import QLoRA
import ToolSupport

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a LoRA adapter on a frozen base (the paper's train.py; flags take _ or -).",
        discussion: "Writes the adapter (PEFT format), training_log.jsonl, loss_curve.svg and checkpoint-N folders into --output_dir.")

    @Option(name: both("model"), help: "Base model: Hugging Face directory or llama2.c .bin.") var model: String
    @Option(name: both("tokenizer"), help: "Tokenizer file when the model has none beside it.") var tokenizer: String?
    @Option(name: both("data_path"), help: "JSON array or JSONL of {text} or {statement, label, explanation, ...} records.") var dataPath: String
    @Option(name: both("validation_path"), help: "Validation records; by default 10% of the data, picked by a hash of the text.") var validationPath: String?
    @Option(name: both("output_dir")) var outputDir = "output"
    @Option(name: both("num_train_epochs")) var numTrainEpochs = 1.0
    @Option(name: both("max_steps"), help: "Overrides the epochs when positive.") var maxSteps = -1
    @Option(name: both("per_device_train_batch_size")) var perDeviceTrainBatchSize = 2
    @Option(name: both("gradient_accumulation_steps")) var gradientAccumulationSteps = 1
    @Option(name: both("learning_rate")) var learningRate = 2e-4
    @Option(name: both("weight_decay")) var weightDecay = 0.0
    @Option(name: both("lr_scheduler_type"), help: "constant, constant_with_warmup, linear or cosine.") var lrSchedulerType = "cosine"
    @Option(name: both("warmup_ratio")) var warmupRatio = 0.03
    @Option(name: both("warmup_steps"), help: "Overrides --warmup_ratio when positive.") var warmupSteps = 0
    @Option(name: both("optim"), help: "paged_adamw_32bit or adamw_32bit.") var optim = "paged_adamw_32bit"
    @Option(name: both("optimizer_memory_budget"), help: "Resident bytes of paged optimizer state (suffixes K, M, G).") var optimizerMemoryBudget = "256M"
    @Option(name: both("max_grad_norm")) var maxGradNorm: Float = 0.3
    @Option(name: both("lora_r")) var loraR = 64
    @Option(name: both("lora_alpha")) var loraAlpha = 16.0
    @Option(name: both("lora_dropout")) var loraDropout = 0.1
    @Option(name: both("target_modules"), help: "Comma-separated module names.") var targetModules = LoRAConfig.allProjections.joined(separator: ",")
    @Flag(name: both("use_rslora"), help: "Scale by alpha/sqrt(r).") var useRSLoRA = false
    @Option(name: both("max_seq_length")) var maxSeqLength = 2048
    @Flag(name: both("completion_only"), help: "Mask the prompt out of the loss.") var completionOnly = false
    @Option(name: both("prompt_style"), help: "paper (the full instruction), compact (one line, for small-context models) or chat (ChatML turns for instruct models such as SmolLM2; label first).") var promptStyle = "paper"
    @Option(name: both("quantize"), help: "The frozen base: nf4 (QLoRA, double quantization), fp4, gguf (a GGUF model kept in its own quantized blocks, e.g. Q4_1), or none (fp32).") var quantize = "nf4"
    @Flag(name: both("gradient_checkpointing"), help: "Recompute each decoder layer in the backward pass to save memory.") var gradientCheckpointing = false
    @Option(name: both("save_steps")) var saveSteps = 25
    @Option(name: both("logging_steps")) var loggingSteps = 1
    @Option(name: both("eval_steps"), help: "Validation loss every N steps (0: at the end only).") var evalSteps = 0
    @Option(name: both("early_stopping_patience"), help: "Stop after N validation losses in a row that do not beat the best (0: never); the best adapter is kept.") var earlyStoppingPatience = 0
    @Option(name: both("seed")) var seed: UInt64 = 4761
    @Flag(name: both("resume"), help: "Continue from the latest checkpoint in --output_dir.") var resume = false

    func validate() throws {
        guard TrainingOptions.Optimizer(rawValue: optim) != nil else { throw ValidationError("--optim must be paged_adamw_32bit or adamw_32bit, got \(optim)") }
        guard LearningRateSchedule.Kind(rawValue: lrSchedulerType) != nil else {
            throw ValidationError("--lr_scheduler_type must be one of \(LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(lrSchedulerType)")
        }
        guard PromptStyle(rawValue: promptStyle) != nil else { throw ValidationError("--prompt_style must be one of \(PromptStyle.allCases.map(\.rawValue).joined(separator: ", ")), got \(promptStyle)") }
        guard ["none", "gguf"].contains(quantize) || QuantType(rawValue: quantize) != nil else { throw ValidationError("--quantize must be nf4, fp4, gguf or none, got \(quantize)") }
        guard earlyStoppingPatience == 0 || evalSteps > 0 else { throw ValidationError("--early_stopping_patience needs --eval_steps > 0") }
        do { try trainingOptions().validate() } catch let error as TrainingError { throw ValidationError("--\(error)") } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The flags as the trainer's options (the enumerations already checked by `validate`).
    func trainingOptions() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.seed = seed
        options.perDeviceTrainBatchSize = perDeviceTrainBatchSize
        options.gradientAccumulationSteps = gradientAccumulationSteps
        options.optimizer = TrainingOptions.Optimizer(rawValue: optim) ?? .pagedAdamW32bit
        options.optimizerMemoryBudget = try parseByteCount(optimizerMemoryBudget, flag: "--optimizer_memory_budget")
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        options.maxGradNorm = maxGradNorm
        options.numTrainEpochs = numTrainEpochs
        options.maxSteps = maxSteps
        options.warmupRatio = warmupRatio
        options.warmupSteps = warmupSteps
        options.scheduler = LearningRateSchedule.Kind(rawValue: lrSchedulerType) ?? .cosine
        options.lora = LoRAConfig(r: loraR, alpha: loraAlpha, dropout: loraDropout,
                                  targetModules: targetModules.split(separator: ",", omittingEmptySubsequences: false)
                                      .map { String($0).trimmingCharacters(in: .whitespaces) },
                                  useRSLoRA: useRSLoRA, baseModel: model)
        options.maxSeqLength = maxSeqLength
        options.completionOnly = completionOnly
        options.saveSteps = saveSteps
        options.loggingSteps = loggingSteps
        options.evalSteps = evalSteps
        options.earlyStoppingPatience = earlyStoppingPatience
        options.gradientCheckpointing = gradientCheckpointing
        options.baseQuantization = QuantType(rawValue: quantize)
        return options
    }

    func run() throws {
        try userFacing {
            var options = try trainingOptions()
            let (base, tok) = try loadModel(model, tokenizer: tokenizer, keepGGUFBlocks: quantize == "gguf")
            if quantize == "gguf" && !base.linears.values.contains(where: { $0 is GGUFLinear }) {
                throw ToolError("--quantize gguf keeps a GGUF model's quantized blocks as the frozen base; \(model) is not a quantized GGUF")
            }
            // The defaults (2048) exceed small models' context; longer examples are cut to what the model can take.
            if options.maxSeqLength > base.config.maxPositions {
                note("warning: --max_seq_length \(options.maxSeqLength) exceeds the context of \(model) (\(base.config.maxPositions)); using \(base.config.maxPositions)")
                options.maxSeqLength = base.config.maxPositions
            }
            var train = try TrainingDataReader.load(URL(fileURLWithPath: dataPath), style: PromptStyle(rawValue: promptStyle)!)
            var validation: [TrainingExample] = []
            if let validationPath {
                validation = try TrainingDataReader.load(URL(fileURLWithPath: validationPath), style: PromptStyle(rawValue: promptStyle)!)
            } else {
                validation = train.filter { DataSplit.of(id: $0.text) == .validation }
                train = train.filter { DataSplit.of(id: $0.text) != .validation }
            }
            note("qlora train: \(train.count) training and \(validation.count) validation examples, \(options.totalSteps(examples: train.count)) steps, base \(model) (\(base.parameterCount) parameters, \(["none": "fp32", "gguf": "its GGUF blocks"][quantize] ?? quantize)), LoRA r \(loraR) alpha \(loraAlpha) on \(options.lora.targetModules.joined(separator: ","))")
            let trainer = try Trainer(model: base, tokenizer: tok, train: train, validation: validation, options: options,
                                      outputDirectory: URL(fileURLWithPath: outputDir))
            trainer.report = { note($0) }
            let summary = try trainer.run(resume: resume)
            note(String(format: "done: %d steps, %.0f tokens/s, final loss %@, validation loss %@; adapter in %@",
                        summary.steps, summary.tokensPerSecond, summary.finalLoss.map { String(format: "%.4f", $0) } ?? "-",
                        summary.validationLoss.map { String(format: "%.4f", $0) } ?? "-", outputDir))
        }
    }
}
