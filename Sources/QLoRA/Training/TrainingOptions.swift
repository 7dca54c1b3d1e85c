import Llama

/// Everything a QLoRA training run is configured by. Defaults are those of the ExplainingHate
/// paper's `train_args.py` and `train.py` (seed 4761, batch 2, no accumulation, paged AdamW 32-bit,
/// lr 2e-4, cosine schedule with 3% warmup, clipping at 0.3, one epoch, r 64 / alpha 16 / dropout
/// 0.1 on all seven projections, sequences up to 2048 tokens, saving every 25 steps, logging every step).
public struct TrainingOptions: Sendable, Equatable {
    public enum Optimizer: String, Sendable, CaseIterable { case pagedAdamW32bit = "paged_adamw_32bit", adamW32bit = "adamw_32bit" }

    public var seed: UInt64 = 4761
    public var perDeviceTrainBatchSize = 2
    public var gradientAccumulationSteps = 1
    public var optimizer: Optimizer = .pagedAdamW32bit
    /// Bytes of optimizer state kept resident by the paged optimizer.
    public var optimizerMemoryBudget = 256 << 20
    /// State tensors with at least this many elements are paged (the 1e5).
    public var pagedMinimumElements = 100_000
    public var learningRate = 2e-4
    public var weightDecay = 0.0
    public var maxGradNorm: Float = 0.3
    public var numTrainEpochs = 1.0
    /// Overrides the epochs when positive, as in transformers.
    public var maxSteps = -1
    public var warmupRatio = 0.03
    /// Overrides `warmupRatio` when positive.
    public var warmupSteps = 0
    public var scheduler: LearningRateSchedule.Kind = .cosine
    public var lora = LoRAConfig()
    public var maxSeqLength = 2048
    /// Mask the prompt out of the loss; the paper trains on the whole text.
    public var completionOnly = false
    public var saveSteps = 25
    public var loggingSteps = 1
    /// Evaluate the validation loss every this many optimizer steps (0: only at the end).
    public var evalSteps = 0
    /// Stop when this many validation evaluations in a row did not lower the best validation loss
    /// (transformers' `EarlyStoppingCallback`); 0 trains to the end. With a validation set, the
    /// adapter written at the end is the one of the best validation loss (`load_best_model_at_end`).
    public var earlyStoppingPatience = 0
    /// Recompute each decoder layer's activations in the backward pass instead of keeping them.
    public var gradientCheckpointing = false
    /// The frozen base's storage: NF4 with double quantization as QLoRA (and the paper) does,
    /// FP4, or `nil` to keep it fp32 for comparison. A base that is already 4-bit stays as it is.
    public var baseQuantization: QuantType? = .nf4

    public init() {}

    /// Optimizer steps for `examples` training examples, as transformers' Trainer counts them.
    public func totalSteps(examples: Int) -> Int {
        if maxSteps > 0 { return maxSteps }
        let batchesPerEpoch = (examples + perDeviceTrainBatchSize - 1) / perDeviceTrainBatchSize
        let stepsPerEpoch = max(batchesPerEpoch / gradientAccumulationSteps, 1)
        return Int((Double(stepsPerEpoch) * numTrainEpochs).rounded(.up))
    }

    public func schedule(totalSteps: Int) -> LearningRateSchedule {
        let warmup = warmupSteps > 0 ? warmupSteps : LearningRateSchedule.warmupSteps(ratioOrSteps: warmupRatio, totalSteps: totalSteps)
        return LearningRateSchedule(kind: scheduler, baseLearningRate: learningRate, warmupSteps: warmup, totalSteps: totalSteps)
    }
}
