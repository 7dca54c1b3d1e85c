import Foundation
import Llama
import ToolSupport
import QLoRA

/// `NAME=DIR` pairs of `--adapter`, loaded in the order given.
func loadAdapters(_ specs: [String]) throws -> [(name: String, adapter: LoRAAdapter)] { try LoRAAdapter.loadNamed(specs) }

/// The linear layers for scoring: the base model's without adapters, else the adapters blended
/// by `mode` with fixed `weights` (equal weights when none are given).
func adaptedLinears(model: LlamaModel, adapterSpecs: [String], blend: String, weights: String?) throws -> (LinearProvider?, String) {
    guard !adapterSpecs.isEmpty else { return (nil, "base model") }
    guard let mode = BlendMode(rawValue: blend) else {
        throw ToolError("--blend must be one of \(BlendMode.allCases.map(\.rawValue).joined(separator: ", ")), got \(blend)")
    }
    let mixer = try AdapterMixer(model: model, adapters: try loadAdapters(adapterSpecs))
    let sources = mixer.adapters.filter { $0.name != "full" }.count
    let needed: Int
    switch mode {
    case .top2: needed = 2
    case .top3: needed = 3
    case .full: needed = 0
    default: needed = 1
    }
    guard sources >= needed else { throw ToolError("--blend \(mode.rawValue) needs at least \(needed) source adapters, got \(sources)") }
    var gates = Array(repeating: sources == 0 ? 0 : 1 / Double(sources), count: sources)
    if let weights {
        gates = try weights.split(separator: ",").map {
            guard let w = Double($0.trimmingCharacters(in: .whitespaces)), w.isFinite else { throw ToolError("--weights \(weights): '\($0)' is not a number") }
            return w
        }
        guard gates.count == sources else { throw ToolError("--weights gives \(gates.count) weights for \(sources) source adapters") }
    }
    let (provider, used) = try mixer.provider(mode: mode, gates: gates)
    return (provider, "adapters " + used.map { String(format: "%@ x %.3f", $0.0, $0.1) }.joined(separator: ", ") + " (\(mode.rawValue))")
}
