/// Why a bitsandbytes quant state, or a tensor to be quantized, was rejected; always names the tensor.
public struct QuantStateError: Error, CustomStringConvertible, Equatable {
    /// The state-dict name of the weight (for example `model.layers.0.mlp.up_proj.weight`).
    public let tensor: String
    /// What is wrong, naming the field.
    public let reason: String

    /// An error about tensor `tensor`.
    public init(tensor: String, _ reason: String) {
        self.tensor = tensor
        self.reason = reason
    }

    /// The tensor and the reason, for users.
    public var description: String { "quant state of tensor '\(tensor)': \(reason)" }
}
