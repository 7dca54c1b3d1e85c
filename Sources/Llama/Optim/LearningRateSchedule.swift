import Foundation

/// Learning-rate schedules with the formulas of `transformers.optimization`
/// (`get_constant_schedule`, `..._with_warmup`, `get_linear_schedule_with_warmup`,
/// `get_cosine_schedule_with_warmup` with half a cycle).
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case constant, constantWithWarmup = "constant_with_warmup", linear, cosine
    }

    public var kind: Kind
    public var baseLearningRate: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, baseLearningRate: Double, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// Warmup steps from a ratio of the total, as `TrainingArguments.get_warmup_steps` computes it:
    /// a value of 1 or more is a step count, a smaller one a fraction rounded up.
    public static func warmupSteps(ratioOrSteps: Double, totalSteps: Int) -> Int {
        ratioOrSteps >= 1 ? Int(ratioOrSteps) : Int((Double(totalSteps) * ratioOrSteps).rounded(.up))
    }

    /// The multiplier of the base rate at optimizer step `step` (0-based, as the LambdaLR sees it).
    public func factor(at step: Int) -> Double {
        if kind == .constant { return 1 }
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        switch kind {
        case .constant, .constantWithWarmup:
            return 1
        case .linear:
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine:
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
        }
    }

    public func learningRate(at step: Int) -> Double { baseLearningRate * factor(at: step) }
}
