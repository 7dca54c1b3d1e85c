import Llama
import Tensor

/// Turns the router's gate probabilities and a blend mode into the `LinearProvider` the model
/// runs with, naming which adapters it used with which weights.
public struct AdapterMixer {
    public let model: LlamaModel
    /// The source adapters in router order, plus optionally one named "full".
    public let adapters: [(name: String, adapter: LoRAAdapter)]

    public init(model: LlamaModel, adapters: [(name: String, adapter: LoRAAdapter)]) throws {
        for (name, a) in adapters { try a.validate(against: model, name: name) }
        self.model = model
        self.adapters = adapters
    }

    /// The source adapters, in router order: every adapter but the all-data one ("full").
    public var sources: [(name: String, adapter: LoRAAdapter)] { adapters.filter { $0.name != "full" } }

    /// The provider for `mode` given one probability per source adapter, and the (name, weight) pairs used.
    public func provider(mode: BlendMode, gates: [Double]) throws -> (LinearProvider, [(String, Double)]) {
        let sources = self.sources
        guard gates.count == sources.count else {
            throw AdapterError(file: "router", field: "probabilities", message: "\(gates.count) gate weights for \(sources.count) source adapters")
        }
        if let bad = gates.first(where: { !$0.isFinite }) {
            throw AdapterError(file: "router", field: "probabilities", message: "gate weight \(bad) is not a finite number")
        }
        // Without source adapters every routed mode is the base model alone (how the base model is
        // run through the detector before any adapter is trained).
        if sources.isEmpty && mode != .full { return (AdaptedLinears(model: model, adapters: [], gates: []), []) }
        let ranked = gates.indices.sorted { gates[$0] > gates[$1] }
        func merged(_ picks: [Int], _ weights: [Double], _ merge: AdapterMerge.Mode) throws -> (LinearProvider, [(String, Double)]) {
            let m = try AdapterMerge.merge(picks.map { sources[$0].adapter }, weights: weights, mode: merge, names: picks.map { sources[$0].name })
            return (AdaptedLinears(model: model, adapters: [m], gates: [1]), zip(picks.map { sources[$0].name }, weights).map { ($0, $1) })
        }
        switch mode {
        case .linear: return try merged(Array(sources.indices), gates, .linear)
        case .cat: return try merged(Array(sources.indices), gates, .cat)
        case .svd: return try merged(Array(sources.indices), gates, .svd(rank: nil))
        case .top1:
            let i = ranked[0]
            return (AdaptedLinears(model: model, adapters: [sources[i].adapter], gates: [1]), [(sources[i].name, 1)])
        case .top2: return try merged(Array(ranked.prefix(2)), [0.5, 0.5], .linear)
        case .top3: return try merged(Array(ranked.prefix(3)), Array(repeating: 1.0 / 3, count: min(3, ranked.count)), .linear)
        case .full:
            guard let full = adapters.first(where: { $0.name == "full" }) else {
                throw AdapterError(file: "--adapter", field: "full", message: "blend mode full needs an adapter named full (--adapter full=DIR)")
            }
            return (AdaptedLinears(model: model, adapters: [full.adapter], gates: [1]), [("full", 1)])
        case .unmerged:
            return (AdaptedLinears(model: model, adapters: sources.map(\.adapter), gates: gates.map(Float.init)), zip(sources.map(\.name), gates).map { ($0, $1) })
        }
    }
}
