// swift-tools-version:6.2
// 6.2 is the first tools version that lets a package depended on by version carry `unsafeFlags`,
// which the 4-bit kernel targets need for their instruction sets.
import PackageDescription

/// Compiler flags that let a kernel target use `cpu`'s instructions. Only x86-64 hosts get them:
/// SwiftPM has no architecture condition, and the kernel sources compile to nothing elsewhere.
func targetCPU(_ cpu: String) -> [SwiftSetting] {
    #if arch(x86_64)
    return [.unsafeFlags(["-target-cpu", cpu])]
    #else
    return []
    #endif
}

let package = Package(
    name: "ExplainingHate",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "Llama", targets: ["Llama"]),
        .library(name: "QLoRA", targets: ["QLoRA"]),
        .library(name: "HolisticBias", targets: ["HolisticBias"]),
        .executable(name: "llama", targets: ["llama"]),
        .executable(name: "qlora", targets: ["qlora"]),
        .executable(name: "holistic-bias", targets: ["holistic-bias"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CLAPACKE"]),
        .target(name: "Autograd", dependencies: ["Tensor"]),
        // The 4-bit fast GEMV: operands and the portable kernel, then one target per instruction set,
        // each compiled for it, and the CPUID probe Llama's dispatcher asks which of them may run.
        .target(name: "QuantKernels"),
        .target(name: "QuantKernelsAVX2", dependencies: ["QuantKernels"], swiftSettings: targetCPU("haswell")),
        // icelake-server rather than znver4: its instructions are the ones Zen 4 and Intel's AVX-512 VNNI
        // parts (Ice Lake server, Sapphire Rapids and later) share, so one build runs on either vendor.
        .target(name: "QuantKernelsAVX512", dependencies: ["QuantKernels"], swiftSettings: targetCPU("icelake-server")),
        .target(name: "CPUFeatures"),
        .target(name: "Llama", dependencies: ["Tensor", "Autograd", "QuantKernels", "QuantKernelsAVX2", "QuantKernelsAVX512", "CPUFeatures"]),
        .target(name: "QLoRA", dependencies: ["Llama", "Autograd", "Tensor"]),
        .target(name: "HolisticBias", dependencies: ["Llama", "Autograd", "Tensor"]),
        // The HTTP moderation service behind `qlora serve`; the only target that needs an HTTP stack.
        .target(name: "Serving", dependencies: ["QLoRA", "Llama", .product(name: "Hummingbird", package: "hummingbird")],
                exclude: ["openapi.yaml"]),
        .executableTarget(
            name: "llama",
            dependencies: ["Llama", "Tensor", "CBLAS", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/llama"),
        .executableTarget(
            name: "qlora",
            dependencies: ["QLoRA", "Llama", "Tensor", "ToolSupport", "Serving", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/qlora",
            resources: [.copy("DefaultBundle")]),
        .executableTarget(
            name: "holistic-bias",
            dependencies: ["HolisticBias", "QLoRA", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/holistic-bias"),
        .target(name: "ToolSupport", dependencies: ["Llama"], path: "Sources/Tools/ToolSupport"),
        .target(name: "TestSupport", path: "Sources/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["TestSupport", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AutogradTests", dependencies: ["TestSupport", "Autograd", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LlamaTests", dependencies: ["TestSupport", "Llama", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "QLoRATests", dependencies: ["TestSupport", "QLoRA", "Llama", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport", "Llama"]),
        .testTarget(name: "ServingTests", dependencies: ["TestSupport", "Serving", "QLoRA", "Llama", .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "HolisticBiasTests", dependencies: ["TestSupport", "HolisticBias", "Llama"], resources: [.copy("Fixtures")]),
    ],
    // The Swift 5 semantics the code was written for: tools 6.2 would otherwise build it in Swift 6
    // mode, whose strict concurrency checking turns warnings into errors.
    swiftLanguageModes: [.v5]
)
