import Tensor

/// The outcome of comparing backward-pass gradients with central finite differences.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    /// Largest |analytic - numeric| over every checked element.
    public let maxAbsoluteError: Float
    /// Largest |analytic - numeric| / |numeric| over elements whose numeric gradient is above
    /// the absolute tolerance (relative error means little near zero).
    public let maxRelativeError: Float
    /// Elements where |analytic - numeric| > atol + rtol * |numeric|, as "input[i]: a vs n".
    public let failures: [String]
    /// True when every element is within tolerance.
    public var passed: Bool { failures.isEmpty }

    /// A one-line summary with the first failures.
    public var description: String {
        "gradientCheck: max abs \(maxAbsoluteError), max rel \(maxRelativeError)"
            + (failures.isEmpty ? "" : ", \(failures.count) failures: " + failures.prefix(5).joined(separator: "; "))
    }
}

/// Checks the gradients of `f` at `inputs` against central finite differences.
///
/// The output of `f` is contracted with a fixed random tensor (seeded by `seed`) into a scalar,
/// so every output element carries a distinct upstream gradient. Each input element is moved
/// by ±`eps` and the scalar recomputed under `noGrad`; the contraction is summed in Double so
/// that Float32 rounding in the sum does not swamp the difference. Keep inputs small (each
/// element costs two forward passes) and away from kinks (relu at 0).
public func gradientCheck(_ inputs: [Tensor], eps: Float = 1e-3, rtol: Float = 1e-2, atol: Float = 1e-3,
                          seed: UInt64 = 0, _ f: ([Variable]) -> Variable) -> GradientCheckResult {
    let variables = inputs.map { Variable($0.copy(), requiresGrad: true) }
    let output = f(variables)
    var generator = RandomGenerator(seed: seed)
    let projection = Tensor.normal(output.shape, generator: &generator)
    (output * Variable(projection)).sum().backward()
    let weights = projection.scalars.map(Double.init)

    func objective(_ xs: [Tensor]) -> Double {
        noGrad { zip(f(xs.map { Variable($0) }).value.scalars, weights).reduce(0.0) { $0 + Double($1.0) * $1.1 } }
    }

    var maxAbs: Float = 0, maxRel: Float = 0
    var failures: [String] = []
    for (i, input) in inputs.enumerated() {
        let analytic = variables[i].grad?.scalars ?? [Float](repeating: 0, count: input.count)
        let perturbed = inputs.map { $0.copy() }
        let base = input.contiguous().scalars
        let p = perturbed[i].storage.pointer
        for j in 0..<input.count {
            p[j] = base[j] + eps
            let plus = objective(perturbed)
            p[j] = base[j] - eps
            let minus = objective(perturbed)
            p[j] = base[j]
            let numeric = Float((plus - minus) / (2 * Double(eps)))
            let err = abs(analytic[j] - numeric)
            maxAbs = Swift.max(maxAbs, err)
            if abs(numeric) > atol { maxRel = Swift.max(maxRel, err / abs(numeric)) }
            if err > atol + rtol * abs(numeric) { failures.append("input \(i)[\(j)]: \(analytic[j]) vs \(numeric)") }
        }
    }
    return GradientCheckResult(maxAbsoluteError: maxAbs, maxRelativeError: maxRel, failures: failures)
}
