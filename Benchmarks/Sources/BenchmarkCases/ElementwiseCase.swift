import Tensor

/// Two 4M-element tensors for the elementwise benchmarks.
public struct ElementwiseCase {
    public static let count = 1 << 22
    public let x: Tensor
    public let y: Tensor

    public init() {
        var g = RandomGenerator(seed: 2)
        x = Tensor.uniform([1024, Self.count / 1024], low: -4, high: 4, generator: &g)
        y = Tensor.uniform([1024, Self.count / 1024], low: -4, high: 4, generator: &g)
    }

    /// Bytes an op on `inputs` tensors moves (reads plus the written result).
    public static func bytes(inputs: Int) -> Double { Double((inputs + 1) * count * 4) }
}
