import Foundation

/// A seeded, reproducible random source: xoshiro256** (Blackman and Vigna) with its state
/// filled by SplitMix64 from a 64-bit seed, as the authors recommend.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits, so every value is exactly representable as Float.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by the Box-Muller transform (both outputs of a pair are used in turn by
    /// `fillNormal`; a single call uses the first).
    public mutating func nextGaussianPair() -> (Double, Double) {
        var u1 = nextDouble()
        while u1 <= .leastNonzeroMagnitude { u1 = nextDouble() }
        let u2 = nextDouble()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        return (r * Foundation.cos(2 * .pi * u2), r * Foundation.sin(2 * .pi * u2))
    }
}

extension Tensor {
    /// Uniform values in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let p = out.storage.pointer
        for i in 0..<out.count { p[i] = low + (high - low) * generator.nextFloat() }
        return out
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let p = out.storage.pointer
        var i = 0
        while i < out.count {
            let (a, b) = generator.nextGaussianPair()
            p[i] = mean + std * Float(a)
            if i + 1 < out.count { p[i + 1] = mean + std * Float(b) }
            i += 2
        }
        return out
    }

    /// PyTorch's `kaiming_uniform_(w, a)` for a weight of shape [out, in, ...] (fan-in mode,
    /// leaky-ReLU gain): bound = gain * sqrt(3 / fanIn), gain = sqrt(2 / (1 + a^2)).
    /// With `a = sqrt(5)` this is the default `nn.Linear` and LoRA-A initialisation, bound 1/sqrt(fanIn).
    public static func kaimingUniform(_ shape: [Int], a: Float = Float(5).squareRoot(), generator: inout RandomGenerator) -> Tensor {
        precondition(shape.count >= 2, "kaimingUniform: needs a shape of rank >= 2, got \(shape)")
        let fanIn = shape.dropFirst().reduce(1, *)
        precondition(fanIn > 0, "kaimingUniform: fan-in of shape \(shape) is 0")
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / Float(fanIn)).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// A mask of the same shape with each element kept (scaled by 1/(1-p)) with probability 1-p,
    /// as inverted dropout does.
    public static func dropoutMask(_ shape: [Int], p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropoutMask: probability \(p) must be in [0, 1)")
        let out = Tensor(uninitialized: shape)
        let o = out.storage.pointer, scale = 1 / (1 - p)
        for i in 0..<out.count { o[i] = generator.nextFloat() < p ? 0 : scale }
        return out
    }
}
