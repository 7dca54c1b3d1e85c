import HolisticBias

// Kept apart from QLoRAClassifier.swift: HolisticBias and Llama both export a `Sampler`.
extension QLoRAClassifier: StatementClassifier {}
