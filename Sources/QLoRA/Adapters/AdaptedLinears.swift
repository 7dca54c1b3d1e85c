import Autograd
import Llama
import Tensor

/// The base model's linear layers plus a gated sum of LoRA adapters, per layer and without
/// merging them: y = W x + sum_i g_i * s_i * B_i A_i x.
///
/// With one adapter and gate 1 this is PEFT's forward of that adapter; with several it is the
/// mixture the paper's diagram draws (equal to a `cat` merge). Mixing unmerged keeps each adapter
/// intact, so the gates can change per input (or later per token) at no merging cost.
public struct AdaptedLinears: LinearProvider {
    public let base: BaseLinears
    public let adapters: [LoRAAdapter]
    public let gates: [Float]

    public init(model: LlamaModel, adapters: [LoRAAdapter], gates: [Float]) {
        precondition(adapters.count == gates.count, "AdaptedLinears: \(adapters.count) adapters, \(gates.count) gates")
        base = BaseLinears(layers: model.linears)
        self.adapters = adapters
        self.gates = gates
    }

    public func apply(_ path: String, _ x: Variable) -> Variable {
        var y = base.apply(path, x)
        for (adapter, gate) in zip(adapters, gates) where gate != 0 {
            guard let w = adapter.modules[path] else { continue }
            y = y + x.matmul(Variable(w.a).transposed()).matmul(Variable(w.b).transposed()) * (gate * adapter.scaling)
        }
        return y
    }
}
