import BenchmarkCases
import Foundation
import Tensor

// Prints the ratios the README quotes, each measured within this one run with the competing
// variants interleaved. Build with `swift run -c release --package-path Benchmarks tensor-bench`.

func ms(_ s: Double) -> String { String(format: "%.3f ms", s * 1e3) }

/// Median and minimum times of both variants; the minimum is the better estimate on a busy machine.
func compare(_ c: MatmulCase, rounds: Int) -> (ours: Double, blas: Double, oursMin: Double, blasMin: Double) {
    precondition(c.maxDifference() <= 1e-3 * Float(c.k), "tensor-bench: \(c.label) results differ")
    let t = Timing.interleaved(rounds: rounds, [{ c.tensor() }, { c.blas() }])
    let ours = Timing.median(t[0]), blas = Timing.median(t[1])
    print("  \(c.label): Tensor.matmul \(ms(ours)) (min \(ms(t[0][0]))), cblas_sgemm \(ms(blas)) (min \(ms(t[1][0]))), "
          + String(format: "%.1f vs %.1f GFLOP/s", c.flops / ours / 1e9, c.flops / blas / 1e9))
    return (ours, blas, t[0][0], t[1][0])
}

/// Sections to run: all by default, or those named on the command line (matmul, skinny, elementwise).
let only = Set(CommandLine.arguments.dropFirst())
func wanted(_ section: String) -> Bool { only.isEmpty || only.contains(section) }

print("cores: \(ProcessInfo.processInfo.activeProcessorCount), Parallel.threads: \(Parallel.threads), OpenBLAS threads: \(OpenBLASThreads.current)")

if wanted("matmul") {
print("TensorMatmul (overhead of Tensor.matmul over a direct cblas_sgemm, target <= 5%)")
let square = MatmulCase(m: 256, n: 768, k: 288)
let r1 = compare(square, rounds: 300)
print(String(format: "  overhead: %+.1f%% (median), %+.1f%% (min)", (r1.ours / r1.blas - 1) * 100, (r1.oursMin / r1.blasMin - 1) * 100))

}

if wanted("skinny") {
print("SkinnyMatmul (column split over cores vs one cblas_sgemm, target >= 1.6x where OpenBLAS stays on one core)")
let defaultThreads = OpenBLASThreads.current
for threads in [defaultThreads, 1] where threads >= 1 {
    OpenBLASThreads.set(threads)
    print(" OpenBLAS threads = \(threads)")
    for layout in [false, true] {
        let c = MatmulCase(m: 256, n: 32000, k: 288, weightLayout: layout)
        let r = compare(c, rounds: 15)
        print(String(format: "  speedup over cblas_sgemm: %.2fx (median), %.2fx (min)", r.blas / r.ours, r.blasMin / r.oursMin))
    }
    if defaultThreads == 1 { break }
}
OpenBLASThreads.set(defaultThreads)

}

if wanted("elementwise") {
print("Elementwise on \(ElementwiseCase.count) floats")
let e = ElementwiseCase()
let t = Timing.interleaved(rounds: 30, [{ _ = e.x + e.y }, { _ = e.x.silu() }])
print("  add: \(ms(Timing.median(t[0]))) (" + String(format: "%.1f GB/s", ElementwiseCase.bytes(inputs: 2) / Timing.median(t[0]) / 1e9) + ")")
print("  silu: \(ms(Timing.median(t[1]))) (" + String(format: "%.1f GB/s", ElementwiseCase.bytes(inputs: 1) / Timing.median(t[1]) / 1e9) + ")")
let threads = Parallel.threads
Parallel.threads = 1
let t1 = Timing.interleaved(rounds: 30, [{ _ = e.x + e.y }, { _ = e.x.silu() }])
Parallel.threads = threads
print("  on one thread: add \(ms(Timing.median(t1[0]))), silu \(ms(Timing.median(t1[1])))")
}
