import Foundation
import Tensor

extension Variable {
    /// `silu(gate) * up`, the gated activation of Llama's MLP, fused into one pass each way.
    public static func swiglu(gate: Variable, up: Variable) -> Variable {
        precondition(gate.shape == up.shape, "swiglu: gate \(gate.shape) and up \(up.shape) differ")
        let gv = gate.value, uv = up.value
        let out = Kernels.map(gv, uv, op: "swiglu") { x, u in x / (1 + Foundation.exp(-x)) * u }
        return record(out, op: "swiglu", parents: [gate, up]) { g in
            [gate.requiresGrad ? Kernels.map(g, gv, uv, op: "swiglu backward") { g, x, u in g * u * siluDerivative(x) } : nil,
             up.requiresGrad ? Kernels.map(g, gv, op: "swiglu backward") { g, x in g * x / (1 + Foundation.exp(-x)) } : nil]
        }
    }
}
