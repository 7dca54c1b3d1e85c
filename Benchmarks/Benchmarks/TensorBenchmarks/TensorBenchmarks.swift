import Benchmark
import BenchmarkCases
import Dispatch
import Tensor

/// Ratios as custom metrics (per mille), each sample timing both variants back to back, so that
/// the ratio comes from one run whatever the machine's load.
enum Ratio {
    static let oursOverBLAS = BenchmarkMetric.custom("Tensor/cblas x1000", polarity: .prefersSmaller, useScalingFactor: false)
    static let blasOverOurs = BenchmarkMetric.custom("cblas/Tensor x1000", polarity: .prefersLarger, useScalingFactor: false)

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           warmupIterations: 2, maxDuration: .seconds(3), maxIterations: 1000)

    let square = MatmulCase(m: 256, n: 768, k: 288)
    Benchmark("TensorMatmul 256x288x768",
              configuration: .init(metrics: [.wallClock, Ratio.oursOverBLAS])) { benchmark in
        for _ in benchmark.scaledIterations {
            let ours = Ratio.seconds { blackHole(square.tensor()) }
            let blas = Ratio.seconds { square.blas() }
            benchmark.measurement(Ratio.oursOverBLAS, Int((ours / blas * 1000).rounded()))
        }
    }

    let skinny = MatmulCase(m: 256, n: 32000, k: 288)
    Benchmark("SkinnyMatmul 256x32000x288",
              configuration: .init(metrics: [.wallClock, Ratio.blasOverOurs], maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            let ours = Ratio.seconds { blackHole(skinny.tensor()) }
            let blas = Ratio.seconds { skinny.blas() }
            benchmark.measurement(Ratio.blasOverOurs, Int((blas / ours * 1000).rounded()))
        }
    }

    let elementwise = ElementwiseCase()
    Benchmark("Elementwise add 4M") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(elementwise.x + elementwise.y) }
    }
    Benchmark("Elementwise silu 4M") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(elementwise.x.silu()) }
    }
}
