// swift-tools-version:5.9
import PackageDescription

// A package outside ExplainingHate that uses it the way a user would: by dependency, public API only.
let package = Package(
    name: "Consumer",
    dependencies: [.package(name: "ExplainingHate", path: "../..")],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "Tensor", package: "ExplainingHate"),
                .product(name: "Autograd", package: "ExplainingHate"),
                .product(name: "Llama", package: "ExplainingHate"),
                .product(name: "QLoRA", package: "ExplainingHate"),
                .product(name: "HolisticBias", package: "ExplainingHate"),
            ]),
    ]
)
