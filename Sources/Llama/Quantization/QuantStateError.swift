/// Why a bitsandbytes quant state, or a tensor to be quantized, was rejected; always names the tensor.
public struct QuantStateError: Error, CustomStringConvertible, Equatable {
    /// The state-dict name of the weight (for example `model.layers.0.mlp.up_proj.weight`).
    public let tensor: String
    public let reason: String

    public init(tensor: String, _ reason: String) {
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String { "quant state of tensor '\(tensor)': \(reason)" }
}
