import Foundation
import Tensor

/// Merging several LoRA adapters into one, as PEFT's `add_weighted_adapter` does it
/// (peft 0.21, `tuners/lora/model.py`). The merged adapter has `lora_alpha = r`, so scaling 1.
public enum AdapterMerge {
    public enum Mode: Equatable, Sendable {
        /// A' = sum_i sign(w_i s_i) sqrt|w_i s_i| A_i, B' = sum_i sqrt|w_i s_i| B_i. Same rank; the
        /// product B'A' has cross terms between adapters (it is not the weighted sum of deltas).
        case linear
        /// A' = concat_i (w_i s_i A_i) over rows, B' = concat_i B_i over columns: rank sum_i r_i,
        /// and B'A' = sum_i w_i s_i B_i A_i exactly.
        case cat
        /// The weighted sum of the deltas, truncated to `rank` by SVD (LAPACK): B' = U_r diag(S_r), A' = V_r^T.
        case svd(rank: Int?)
    }

    public static func merge(_ adapters: [LoRAAdapter], weights: [Double], mode: Mode, names: [String]) throws -> LoRAAdapter {
        guard !adapters.isEmpty, adapters.count == weights.count, names.count == adapters.count else {
            throw AdapterError(file: names.joined(separator: ","), field: "weights", message: "\(adapters.count) adapters, \(weights.count) weights")
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) {
            throw AdapterError(file: names[bad], field: "weights", message: "weight \(weights[bad]) is not a finite number")
        }
        let paths = adapters[0].modulePaths
        for (adapter, name) in zip(adapters, names) {
            guard adapter.modulePaths == paths else {
                throw AdapterError(file: name, field: "target_modules", message: "adapts \(adapter.modulePaths.count) modules, \(names[0]) adapts \(paths.count); they must adapt the same modules")
            }
            for p in paths {
                let w = adapter.modules[p]!, w0 = adapters[0].modules[p]!
                guard w.inFeatures == w0.inFeatures && w.outFeatures == w0.outFeatures else {
                    throw AdapterError(file: name, field: p, message: "shape [\(w.outFeatures), \(w.inFeatures)] differs from \(names[0])'s [\(w0.outFeatures), \(w0.inFeatures)]")
                }
            }
        }
        // PEFT falls back to linear for a single adapter.
        let effective = adapters.count == 1 ? .linear : mode
        let ranks = adapters.map(\.config.r)
        let newRank: Int
        switch effective {
        case .linear:
            guard Set(ranks).count == 1 else {
                throw AdapterError(file: names.joined(separator: ","), field: "r", message: "linear merging needs equal ranks, got \(ranks)")
            }
            newRank = ranks[0]
        case .cat: newRank = ranks.reduce(0, +)
        case .svd(let r): newRank = r ?? ranks.max()!
        }
        var modules: [String: LoRAWeights] = [:]
        for p in paths {
            let parts = adapters.map { $0.modules[p]! }
            switch effective {
            case .linear:
                var a: Tensor? = nil, b: Tensor? = nil
                for (i, w) in parts.enumerated() {
                    let ws = weights[i] * Double(adapters[i].scaling)
                    let magnitude = Float(abs(ws).squareRoot())
                    let termA = w.a * (ws >= 0 ? magnitude : -magnitude), termB = w.b * magnitude
                    a = a.map { $0 + termA } ?? termA
                    b = b.map { $0 + termB } ?? termB
                }
                modules[p] = LoRAWeights(a: a!, b: b!)
            case .cat:
                let a = Tensor.concat(parts.enumerated().map { i, w in w.a * Float(weights[i] * Double(adapters[i].scaling)) }, axis: 0)
                modules[p] = LoRAWeights(a: a, b: Tensor.concat(parts.map(\.b), axis: 1))
            case .svd:
                // The weighted delta sum is the product of the concatenated factors, as in `cat`.
                let a = Tensor.concat(parts.enumerated().map { i, w in w.a * Float(weights[i] * Double(adapters[i].scaling)) }, axis: 0)
                let (u, s, vt) = Tensor.svdOfProduct(Tensor.concat(parts.map(\.b), axis: 1), a)
                let k = min(newRank, s.count)
                let b = u.slice(axis: 1, start: 0, end: k) * s.slice(axis: 0, start: 0, end: k)
                modules[p] = LoRAWeights(a: vt.slice(axis: 0, start: 0, end: k).contiguous(), b: b)
            }
        }
        var config = adapters[0].config
        config.r = newRank
        config.alpha = Double(newRank)
        config.targetModules = Array(Set(adapters.flatMap(\.config.targetModules))).sorted()
        return LoRAAdapter(config: config, modules: modules, scaling: Float(config.scaling))
    }
}
