// swift-tools-version:5.9
import PackageDescription

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
        .target(name: "Llama", dependencies: ["Tensor", "Autograd"]),
        .target(name: "QLoRA", dependencies: ["Llama", "Autograd", "Tensor"]),
        .target(name: "HolisticBias", dependencies: ["Llama", "Autograd", "Tensor"]),
        .executableTarget(
            name: "llama",
            dependencies: ["Llama", "Tensor", "CBLAS", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/llama"),
        .executableTarget(
            name: "qlora",
            dependencies: ["QLoRA", "Llama", "Tensor", "ToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
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
        .testTarget(name: "HolisticBiasTests", dependencies: ["TestSupport", "HolisticBias", "Llama"], resources: [.copy("Fixtures")]),
    ]
)
