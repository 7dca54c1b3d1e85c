import Foundation
import Tensor

/// gate = silu(gate) * up, in place in `gate` (both contiguous, same shape).
func swiGLU(gate: Tensor, up: Tensor) {
    precondition(gate.shape == up.shape, "swiGLU: gate \(gate.shape) and up \(up.shape) differ")
    up.withUnsafeBufferPointer { u in
        gate.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count {
                let x = g[i]
                g[i] = x / (1 + Foundation.exp(-x)) * u[i]
            }
        }
    }
}
