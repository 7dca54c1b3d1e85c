// swift-tools-version: 6.1
import PackageDescription

/// Benchmarks live in their own package so the main build and CI stay free of package-benchmark.
let package = Package(
    name: "Benchmarks",
    dependencies: [
        .package(url: "https://github.com/ordo-one/package-benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "ExplainingHate", path: ".."),
    ],
    targets: [
        // Direct OpenBLAS calls, the baseline every ratio is measured against.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "BenchmarkCases",
                dependencies: ["COpenBLAS", .product(name: "Tensor", package: "ExplainingHate")],
                path: "Sources/BenchmarkCases"),
        // Prints the ratios measured in one run; the numbers the README quotes.
        .executableTarget(name: "tensor-bench", dependencies: ["BenchmarkCases"], path: "Sources/tensor-bench"),
        .executableTarget(
            name: "TensorBenchmarks",
            dependencies: ["BenchmarkCases", .product(name: "Benchmark", package: "package-benchmark")],
            path: "Benchmarks/TensorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
    ],
    // Benchmark bodies hand raw buffers to worker threads; Swift 5 mode keeps them free of Sendable wrappers.
    swiftLanguageModes: [.v5]
)
