/// How the source adapters are combined for one statement.
public enum BlendMode: String, CaseIterable, Sendable {
    /// The paper's default: PEFT's linear merge with the router's probabilities as weights.
    case linear
    /// Exact weighted sum of the deltas (the paper's diagram), as a concatenated adapter.
    case cat
    /// Weighted sum of the deltas truncated to the largest adapter rank by SVD.
    case svd
    /// The most probable adapter alone.
    case top1
    /// The two most probable adapters, linearly merged 0.5 / 0.5 (the paper's `--top_2_routing`).
    case top2
    /// All three source adapters, linearly merged with 1/3 each.
    case top3
    /// The adapter trained on all data (named "full"), no routing.
    case full
    /// Gated per-layer mixing of the unmerged adapters (y = Wx + sum g_i s_i B_i A_i x); equal to `cat`.
    case unmerged

    /// Whether the router's gates decide the mix: all but the fixed ones, `top3` (equal weights
    /// over three adapters) and `full` (the all-data adapter).
    public var isRouted: Bool { self != .top3 && self != .full }
    public static var routed: [BlendMode] { allCases.filter(\.isRouted) }
}
