import ArgumentParser
import Foundation
import ToolSupport
import Llama
import QLoRA

struct PackBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack-bundle",
        abstract: "Pack trained adapters and the router into a detector bundle (the last stage of Scripts/build_default_bundle.sh).",
        discussion: """
        Reads WORK/adapters/NAME/, WORK/router.safetensors and WORK/data/ as the build script leaves them; writes the \
        adapters as F16 PEFT adapters stamped with the base's fingerprint, the router, and bundle.json (the manifest, \
        the data's label counts, each run's losses and throughput, the settings given, and the evaluation given).
        """)

    @Option(name: both("work"), help: "The build script's work folder.") var work: String
    @Option(name: both("model"), help: "The base the adapters were trained on: a published model's name or a path.") var model = "smollm2"
    @Option(name: both("sources"), help: "NAME=DATASET pairs in router order.") var sources = "microblogs=davidson,forums=stormfront,hatexplain=hatexplain"
    @Option(name: both("settings"), help: "A JSON object of the training settings to record.") var settings = "{}"
    @Option(name: both("label_log_prior_correction"), help: "ADAPTER.LABEL=NUMBER, comma-separated: added to that adapter's label log-probabilities in proportion to its weight in the mix (Scripts/choose_on_validation.py picks them on validation; default: none).")
    var correction: String?
    @Option(name: both("default_mode"), help: "How the tools blend the adapters unless told: a routed blend mode (\(BlendMode.routed.map(\.rawValue).joined(separator: ", "))); Scripts/choose_on_validation.py picks it on validation.")
    var defaultMode = "linear"
    @Option(name: both("evaluation"), help: "An eval.json from qlora eval to record.") var evaluation: String?
    @Option(name: both("validation"), help: "The JSON summary Scripts/choose_on_validation.py --summary wrote, to record.") var validation: String?
    @Option(name: both("out")) var out = "Sources/Tools/qlora/DefaultBundle"

    func validate() throws {
        guard let mode = BlendMode(rawValue: defaultMode), mode.isRouted else {
            throw ValidationError("--default_mode must be one of \(BlendMode.routed.map(\.rawValue).joined(separator: ", ")), got \(defaultMode)")
        }
    }

    func run() throws {
        try userFacing {
            let pairs = try sources.split(separator: ",").map { pair -> DefaultBundlePacker.Source in
                let parts = pair.split(separator: "=").map(String.init)
                guard parts.count == 2 else { throw ToolError("--sources: expected NAME=DATASET, got \(pair)") }
                return .init(name: parts[0], dataset: parts[1])
            }
            guard let settingsObject = try? JSONSerialization.jsonObject(with: Data(settings.utf8)) as? [String: Any] else {
                throw ToolError("--settings must be a JSON object")
            }
            var prior: [String: [HateLabel: Double]] = [:]
            for item in (correction ?? "").split(separator: ",") {
                // NAME.LABEL=NUMBER
                let parts = item.split(separator: "=").map(String.init)
                let key = parts.first?.split(separator: ".").map(String.init) ?? []
                guard parts.count == 2, key.count == 2, pairs.contains(where: { $0.name == key[0] }), let label = HateLabel(rawValue: key[1]),
                      let v = Double(parts[1]), v.isFinite else {
                    throw ToolError("--label_log_prior_correction: expected ADAPTER.LABEL=NUMBER (e.g. microblogs.hate=-1.2), got \(item)")
                }
                prior[key[0], default: [:]][label] = v
            }
            func json(_ path: String, _ what: String) throws -> Any {
                guard let data = FileManager.default.contents(atPath: path), let object = try? JSONSerialization.jsonObject(with: data) else {
                    throw ToolError("\(path): cannot read as JSON (\(what))")
                }
                return object
            }
            let evaluationObject = try evaluation.map { try json($0, "an eval.json from qlora eval") }
            let validationObject = try validation.map { try json($0, "the summary of Scripts/choose_on_validation.py") }
            let (base, tok) = try loadModel(model, tokenizer: nil)
            try DefaultBundlePacker.pack(work: URL(fileURLWithPath: work), sources: pairs, base: base, tokenizer: tok, baseName: model,
                                         quantization: .nf4, settings: settingsObject, labelLogPriorCorrection: prior,
                                         defaultMode: BlendMode(rawValue: defaultMode)!, validation: validationObject, evaluation: evaluationObject, output: URL(fileURLWithPath: out))
            note("bundle written to \(out) (\(try DefaultBundle.bytes(URL(fileURLWithPath: out)) / 1_000) kB)")
        }
    }
}
