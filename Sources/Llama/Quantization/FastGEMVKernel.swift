import CPUFeatures
import Foundation
import QuantKernels
import QuantKernelsAVX2
import QuantKernelsAVX512

/// The integer kernel behind `QuantizedTensor.gemvFast`, chosen once per process from what the CPU
/// runs (see `selected`).
public enum FastGEMVKernel: String, Sendable, CaseIterable {
    case portable
    case avx2 = "AVX2"
    case avx512 = "AVX-512 VNNI"

    /// The value of `EXPLAININGHATE_KERNEL` naming this kernel.
    public var environmentName: String {
        switch self {
        case .portable: return "portable"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }

    /// The kernels this CPU runs, portable first: AVX2 needs everything `-target-cpu haswell` emits,
    /// AVX-512 everything `icelake-server` emits (Zen 4, Ice Lake server, Sapphire Rapids and later).
    public static let supported: [FastGEMVKernel] = {
        #if arch(x86_64)
        var kernels = [FastGEMVKernel.portable]
        if explaininghate_cpu_runs_haswell_code() { kernels.append(.avx2) }
        if explaininghate_cpu_runs_icelake_server_code() { kernels.append(.avx512) }
        return kernels
        #else
        return [.portable]
        #endif
    }()

    /// The fastest supported kernel, or with `EXPLAININGHATE_KERNEL=portable|avx2|avx512` the
    /// fastest supported one at most that (so the tests can run each kernel the machine has in one
    /// build). Any other value of the variable traps, rather than quietly testing the wrong kernel.
    public static let selected: FastGEMVKernel = {
        guard let name = ProcessInfo.processInfo.environment["EXPLAININGHATE_KERNEL"] else { return supported.last! }
        guard let requested = allCases.first(where: { $0.environmentName == name }) else {
            fatalError("EXPLAININGHATE_KERNEL=\(name): expected one of \(allCases.map(\.environmentName).joined(separator: ", "))")
        }
        return supported.last { $0.rank <= requested.rank }!
    }()

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Whether `quantize` writes pair layout with corrections (`Int8Activations`).
    var usesCorrections: Bool { self == .avx512 }

    /// x [64 groups] to int8 codes, scales and, for AVX-512, corrections, in this kernel's layout;
    /// false when x holds a NaN or an infinity.
    func quantize(_ x: UnsafePointer<Float>, groups: Int, codes: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>,
                  corrections: UnsafeMutablePointer<Int32>?) -> Bool {
        switch self {
        case .portable: return quantizeActivations(x, groups: groups, codes: codes, scales: scales)
        #if arch(x86_64)
        case .avx2: return AVX2Int8GEMV.quantize(x, groups: groups, codes: codes, scales: scales)
        case .avx512: return AVX512Int8GEMV.quantize(x, groups: groups, codes: codes, scales: scales, corrections: corrections!)
        #else
        case .avx2, .avx512: preconditionFailure("FastGEMVKernel: \(rawValue) is x86-64 only")
        #endif
        }
    }

    /// y[r] for r in `range`.
    func gemvRows(_ range: Range<Int>, _ a: Int8GEMVArguments) {
        switch self {
        case .portable: PortableInt8Kernel.gemvRows(range, a)
        #if arch(x86_64)
        case .avx2: AVX2Int8GEMV.gemvRows(range, a)
        case .avx512: AVX512Int8GEMV.gemvRows(range, a)
        #else
        case .avx2, .avx512: preconditionFailure("FastGEMVKernel: \(rawValue) is x86-64 only")
        #endif
        }
    }

    /// `gemvRows` for several activation vectors sharing the weights.
    func gemvBatchRows(_ range: Range<Int>, _ batch: UnsafeBufferPointer<Int8GEMVArguments>) {
        switch self {
        case .portable: PortableInt8Kernel.gemvBatchRows(range, batch)
        #if arch(x86_64)
        case .avx2: AVX2Int8GEMV.gemvBatchRows(range, batch)
        case .avx512: AVX512Int8GEMV.gemvBatchRows(range, batch)
        #else
        case .avx2, .avx512: preconditionFailure("FastGEMVKernel: \(rawValue) is x86-64 only")
        #endif
        }
    }

    /// One row's group scales as `gemvRows` decodes them: out[g] = factor[g] * the absmax of the
    /// block holding element `first + 64 g`.
    func groupScales(_ scales: ScaleSource, blockShift: Int, first: Int, groups: Int, times factor: UnsafePointer<Float>,
                     into out: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if self == .avx512 {
            return AVX512Int8GEMV.groupScales(scales, blockShift: blockShift, first: first, groups: groups, times: factor, into: out)
        }
        #endif
        scales.groupScales(first: first, groups: groups, blockShift: blockShift, times: factor, into: out)
    }
}
