import ArgumentParser
import Foundation
import ToolSupport
import QLoRA

struct BuildTinyBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-tiny-bundle",
        abstract: "Rebuild the tiny synthetic detector the tests use as a fast model (Scripts/build_tiny_bundle.sh).",
        discussion: "Trains a tokenizer, a tiny base model, one adapter per source and the router, then scores them on held-out statements into bundle.json. Deterministic for a seed; about ten minutes on two cores.")

    @Option(name: both("out")) var out = "Tests/QLoRATests/Fixtures/TinyBundle"
    @Option(name: both("seed")) var seed: UInt64 = 4761

    func run() throws {
        try userFacing {
            let summary = try TinyBundleBuilder.build(outputDirectory: URL(fileURLWithPath: out), seed: seed) { note($0) }
            print(summary)
        }
    }
}
