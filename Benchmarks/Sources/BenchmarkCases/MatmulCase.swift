import COpenBLAS
import Tensor

/// An `[m, k] x [k, n]` product prepared twice: as tensors for `Tensor.matmul`, and as raw buffers
/// for the direct `cblas_sgemm` call it is measured against (same data, preallocated output).
public final class MatmulCase {
    public let m: Int, n: Int, k: Int
    /// B stored as [n, k] and used transposed, the layout of a Linear weight (logits = x W^T).
    public let weightLayout: Bool
    public let a: Tensor
    public let b: Tensor
    private let c: UnsafeMutablePointer<Float>

    public init(m: Int, n: Int, k: Int, weightLayout: Bool = false) {
        self.m = m; self.n = n; self.k = k
        self.weightLayout = weightLayout
        var g = RandomGenerator(seed: 1)
        a = Tensor.uniform([m, k], low: -1, high: 1, generator: &g)
        b = Tensor.uniform(weightLayout ? [n, k] : [k, n], low: -1, high: 1, generator: &g)
        c = .allocate(capacity: m * n)
        c.initialize(repeating: 0, count: m * n)
    }

    deinit { c.deallocate() }

    public var label: String { "\(m)x\(n)x\(k)\(weightLayout ? " (B as [N,K], transposed)" : "")" }
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// The product through Tensor (allocates its result, as every caller does).
    @discardableResult
    public func tensor() -> Tensor { weightLayout ? a.matmul(b.transposed()) : a.matmul(b) }

    /// The same product as one direct `cblas_sgemm` call into a preallocated buffer.
    public func blas() {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, weightLayout ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(k),
                            pb.baseAddress, Int32(weightLayout ? k : n), 0, c, Int32(n))
            }
        }
    }

    /// Largest difference between the two results (a benchmark that computes the wrong thing is worthless).
    public func maxDifference() -> Float {
        let t = tensor().scalars
        blas()
        var worst: Float = 0
        for i in 0..<(m * n) { worst = Swift.max(worst, abs(t[i] - c[i])) }
        return worst
    }
}

/// OpenBLAS's process-wide thread count, for measuring with it on one core as well as on all.
public enum OpenBLASThreads {
    public static var current: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
