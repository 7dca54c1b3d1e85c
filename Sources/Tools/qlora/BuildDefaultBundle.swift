import ArgumentParser
import Foundation
import ToolSupport
import QLoRA

struct BuildDefaultBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-default-bundle",
        abstract: "Rebuild the bundled default model from the project's own synthetic corpus (Scripts/build_default_bundle.sh).",
        discussion: "Trains a tokenizer, a tiny base model, one adapter per source and the router, then scores them on held-out statements into bundle.json. Deterministic for a seed; about ten minutes on two cores.")

    @Option(name: both("out")) var out = "Sources/Tools/qlora/DefaultBundle"
    @Option(name: both("seed")) var seed: UInt64 = 4761

    func run() throws {
        try userFacing {
            let summary = try DefaultBundleBuilder.build(outputDirectory: URL(fileURLWithPath: out), seed: seed) { note($0) }
            print(summary)
        }
    }
}
