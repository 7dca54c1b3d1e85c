import Autograd
import Tensor

/// A linear layer y = x W^T whose weight never trains: dense fp32, or 4-bit quantized.
///
/// Training adapters on top of it needs only the product and the input gradient dX = dY W; a
/// quantized layer computes both without materialising W.
public protocol FrozenLinear: Sendable {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// y = x W^T for x [..., in] -> [..., out].
    func forward(_ x: Tensor) -> Tensor
    /// dX = dY W for dY [..., out] -> [..., in].
    func backwardInput(_ dy: Tensor) -> Tensor
}

/// A frozen fp32 weight [out, in].
public struct DenseLinear: FrozenLinear {
    public let weight: Tensor

    public init(weight: Tensor) {
        precondition(weight.rank == 2, "DenseLinear: weight must be 2-D, got \(weight.shape)")
        self.weight = weight
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }
    public func forward(_ x: Tensor) -> Tensor { x.matmul(weight.transposed()) }
    public func backwardInput(_ dy: Tensor) -> Tensor { dy.matmul(weight) }
}

extension Variable {
    /// `layer(x)` as a graph node: gradients flow to `x` through `layer.backwardInput`, none to the
    /// frozen weight.
    public func linear(frozen layer: any FrozenLinear) -> Variable {
        precondition(shape.last == layer.inFeatures, "linear(frozen:): input \(shape) does not end in \(layer.inFeatures)")
        return Variable.record(layer.forward(value), op: "frozenLinear", parents: [self]) { dy in [layer.backwardInput(dy)] }
    }
}
