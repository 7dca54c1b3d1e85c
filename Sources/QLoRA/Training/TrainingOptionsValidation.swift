extension TrainingOptions {
    /// The largest LoRA rank accepted before the model is known; the model then bounds it by each
    /// targeted layer's size (`Trainer`).
    public static let maximumRank = 4096
    /// Bounds that keep step counts and allocations representable.
    public static let maximumEpochs = 1_000_000.0
    public static let maximumBatchSize = 65536

    /// Throws `TrainingError.invalidOption` for the first option outside the range training can use,
    /// naming it as `train.py`'s argument; checked before any model is loaded.
    public func validate() throws {
        func require(_ ok: Bool, _ name: String, _ value: Any, _ requirement: String) throws {
            guard ok else { throw TrainingError.invalidOption(name: name, value: "\(value)", requirement: requirement) }
        }
        try require(learningRate.isFinite && learningRate > 0, "learning_rate", learningRate, "must be positive and finite")
        try require(weightDecay.isFinite && weightDecay >= 0, "weight_decay", weightDecay, "must be 0 or more and finite")
        try require(maxGradNorm.isFinite && maxGradNorm > 0, "max_grad_norm", maxGradNorm, "must be positive and finite")
        try require(numTrainEpochs.isFinite && numTrainEpochs > 0 && numTrainEpochs <= Self.maximumEpochs, "num_train_epochs", numTrainEpochs,
                    "must be positive, finite and at most \(Int(Self.maximumEpochs))")
        try require(maxSteps == -1 || maxSteps > 0, "max_steps", maxSteps, "must be -1 (use the epochs) or positive")
        try require(warmupRatio.isFinite && warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio", warmupRatio, "must be in [0, 1)")
        try require(warmupSteps >= 0, "warmup_steps", warmupSteps, "must be 0 or more")
        try require((1...Self.maximumBatchSize).contains(perDeviceTrainBatchSize), "per_device_train_batch_size", perDeviceTrainBatchSize,
                    "must be in 1...\(Self.maximumBatchSize)")
        try require((1...Self.maximumBatchSize).contains(gradientAccumulationSteps), "gradient_accumulation_steps", gradientAccumulationSteps,
                    "must be in 1...\(Self.maximumBatchSize)")
        try require(optimizerMemoryBudget >= 0, "optimizer_memory_budget", optimizerMemoryBudget, "must be 0 or more bytes")
        try require(maxSeqLength >= 2, "max_seq_length", maxSeqLength, "must be at least 2")
        try require(saveSteps >= 0, "save_steps", saveSteps, "must be 0 (no checkpoints) or more")
        try require(loggingSteps >= 1, "logging_steps", loggingSteps, "must be at least 1")
        try require(evalSteps >= 0, "eval_steps", evalSteps, "must be 0 (at the end only) or more")
        try require(earlyStoppingPatience >= 0, "early_stopping_patience", earlyStoppingPatience, "must be 0 or more")
        try require((1...Self.maximumRank).contains(lora.r), "lora_r", lora.r, "must be in 1...\(Self.maximumRank)")
        try require(lora.alpha.isFinite && lora.alpha > 0, "lora_alpha", lora.alpha, "must be positive and finite")
        try require(lora.dropout.isFinite && lora.dropout >= 0 && lora.dropout < 1, "lora_dropout", lora.dropout, "must be in [0, 1)")
        try require(!lora.targetModules.isEmpty && !lora.targetModules.contains(""), "target_modules", lora.targetModules.joined(separator: ","),
                    "must list module names, comma-separated")
    }
}
