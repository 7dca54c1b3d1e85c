import Foundation

/// The result of a two-sided Mann-Whitney U test.
public struct MannWhitneyUResult: Equatable {
    /// U for the first sample, as `scipy.stats.mannwhitneyu` reports it.
    public var u: Double
    public var pValue: Double
}

/// `scipy.stats.mannwhitneyu` with its defaults (scipy 1.17): two-sided, continuity correction,
/// `method='auto'`, i.e. the exact null distribution when either sample has at most 8 values and
/// there are no ties, else the normal approximation with tie correction.
public enum MannWhitneyU {
    /// How the p-value is computed.
    public enum Method {
        case exact, asymptotic
    }

    /// Tests `x` against `y` (neither empty, no NaNs).
    public static func test(_ x: [Double], _ y: [Double]) -> MannWhitneyUResult {
        precondition(!x.isEmpty && !y.isEmpty, "MannWhitneyU.test: samples must be non-empty (got \(x.count), \(y.count))")
        precondition(!x.contains(where: \.isNaN) && !y.contains(where: \.isNaN), "MannWhitneyU.test: samples must not contain NaN")
        let ranked = rankSums(sortedX: x.sorted(), sortedY: y.sorted())
        return result(ranked, n1: x.count, n2: y.count, method: chooseMethod(n1: x.count, n2: y.count, ties: ranked.hasTies))
    }

    /// scipy's `_mwu_choose_method`: asymptotic when both samples exceed 8 values or there is a tie.
    /// scipy decides ties over the whole batch when called on stacked rows, so callers pass it in.
    public static func chooseMethod(n1: Int, n2: Int, ties: Bool) -> Method {
        if n1 > 8 && n2 > 8 { return .asymptotic }
        return ties ? .asymptotic : .exact
    }

    /// Rank-sum statistics of two sorted samples, merged with average ranks for ties.
    struct RankSums {
        var r1: Double
        /// Σ (t³ − t) over groups of tied values.
        var tieTerm: Double
        var hasTies: Bool
    }

    static func rankSums(sortedX x: [Double], sortedY y: [Double]) -> RankSums {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in rankSums(px, py) }
        }
    }

    static func rankSums(_ px: UnsafeBufferPointer<Double>, _ py: UnsafeBufferPointer<Double>) -> RankSums {
        let nx = px.count, ny = py.count
        var i = 0, j = 0, position = 1
        var r1 = 0.0, tieTerm = 0.0
        var hasTies = false
        while i < nx || j < ny {
            let v = j == ny || (i < nx && px[i] <= py[j]) ? px[i] : py[j]
            var cx = 0, cy = 0
            while i < nx && px[i] == v { i += 1; cx += 1 }
            while j < ny && py[j] == v { j += 1; cy += 1 }
            let c = cx + cy
            if c > 1 {
                hasTies = true
                let t = Double(c)
                tieTerm += t * t * t - t
            }
            if cx > 0 { r1 += Double(cx) * (Double(position) + Double(c - 1) / 2) }
            position += c
        }
        return RankSums(r1: r1, tieTerm: tieTerm, hasTies: hasTies)
    }

    static func result(_ s: RankSums, n1: Int, n2: Int, method: Method) -> MannWhitneyUResult {
        let m = Double(n1), n = Double(n2)
        let u1 = s.r1 - m * (m + 1) / 2
        let u2 = m * n - u1
        let u = max(u1, u2)
        let p: Double
        switch method {
        case .asymptotic:
            let mu = m * n / 2
            let total = m + n
            let sd = (m * n / 12 * ((total + 1) - s.tieTerm / (total * (total - 1)))).squareRoot()
            let z = (u - mu - 0.5) / sd
            p = ndtr(-z) * 2
        case .exact:
            p = ExactDistribution(n1, n2).survival(Int(u)) * 2
        }
        return MannWhitneyUResult(u: u1, pValue: min(max(p, 0), 1))
    }

    /// The standard normal CDF as cephes/xsf `ndtr` computes it.
    static func ndtr(_ a: Double) -> Double {
        if a.isNaN { return .nan }
        let x = a * 0.70710678118654752440
        let z = abs(x)
        if z < 0.70710678118654752440 { return 0.5 + 0.5 * erf(x) }
        let y = 0.5 * erfc(z)
        return x > 0 ? 1 - y : y
    }

    /// scipy's `special.binom` for non-negative integers with k < 20 (the exact path never needs more).
    static func binomial(_ n: Int, _ k: Int) -> Double {
        var kx = k
        if Double(kx) > Double(n) / 2 && n > 0 { kx = n - kx }
        var num = 1.0, den = 1.0
        for i in stride(from: 1, to: 1 + kx, by: 1) {
            num *= Double(i + n - kx)
            den *= Double(i)
            if abs(num) > 1e50 {
                num /= den
                den = 1
            }
        }
        return num / den
    }

    /// The exact null distribution of U (Löffler's recurrence, as scipy's `_MWU`).
    struct ExactDistribution {
        let n1: Int, n2: Int

        init(_ a: Int, _ b: Int) {
            n1 = min(a, b)
            n2 = max(a, b)
        }

        /// P(U ≥ k) for k ≥ n1·n2/2, summed from the left by symmetry as scipy does.
        func survival(_ k: Int) -> Double {
            let kc = n1 * n2 - k
            let freqs = frequencies(upTo: kc)
            let total = binomial(n1 + n2, n1)
            var cdf = 0.0
            for f in freqs { cdf += f / total }
            return cdf
        }

        /// Counts of configurations with U = 0...maxU, in scipy's arithmetic: float dot products,
        /// truncated to integers while they fit in UInt64.
        func frequencies(upTo maxU: Int) -> [Double] {
            var sigma = [Double](repeating: 0, count: maxU + 1)
            if maxU >= 1 {
                for d in 1...n1 { for idx in stride(from: d, through: maxU, by: d) { sigma[idx] += Double(d) } }
                for d in (n2 + 1)...(n2 + n1) { for idx in stride(from: d, through: maxU, by: d) { sigma[idx] -= Double(d) } }
            }
            var conf = [Double](repeating: 0, count: maxU + 1)
            conf[0] = 1
            var integral = true
            let uintMax = Double(UInt64.max)
            if maxU >= 1 {
                for u in 1...maxU {
                    var dot = 0.0
                    for j in 0..<u { dot += conf[j] * sigma[u - j] }
                    let value = dot / Double(u)
                    if value > uintMax && integral { integral = false }
                    conf[u] = integral ? value.rounded(.towardZero) : value
                }
            }
            return conf
        }
    }
}
