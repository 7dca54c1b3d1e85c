import Foundation
import Tensor

/// Elementwise functions. Each backward uses the saved output where that is cheaper than the input.
extension Variable {
    /// `e^x`; backward `g * y`.
    public func exp() -> Variable {
        let out = value.exp()
        return Variable.record(out, op: "exp", parents: [self]) { g in [g * out] }
    }

    /// Natural logarithm; backward `g / x`.
    public func log() -> Variable {
        Variable.record(value.log(), op: "log", parents: [self]) { [value] g in [g / value] }
    }

    /// Square root; backward `g / (2 y)`.
    public func sqrt() -> Variable {
        let out = value.sqrt()
        return Variable.record(out, op: "sqrt", parents: [self]) { g in
            [Kernels.map(g, out, op: "sqrt backward") { g, y in 0.5 * g / y }]
        }
    }

    /// `1 / sqrt(x)`; backward `-g y³ / 2`.
    public func rsqrt() -> Variable {
        let out = value.rsqrt()
        return Variable.record(out, op: "rsqrt", parents: [self]) { g in
            [Kernels.map(g, out, op: "rsqrt backward") { g, y in -0.5 * g * y * y * y }]
        }
    }

    /// `self ^ exponent` for a constant exponent.
    public func pow(_ exponent: Float) -> Variable {
        Variable.record(value.pow(exponent), op: "pow", parents: [self]) { [value] g in
            [Kernels.map(g, value, op: "pow backward") { g, x in g * exponent * Foundation.pow(x, exponent - 1) }]
        }
    }

    /// Logistic function; backward `g y (1 - y)`.
    public func sigmoid() -> Variable {
        let out = value.sigmoid()
        return Variable.record(out, op: "sigmoid", parents: [self]) { g in
            [Kernels.map(g, out, op: "sigmoid backward") { g, s in g * s * (1 - s) }]
        }
    }

    /// Hyperbolic tangent; backward `g (1 - y²)`.
    public func tanh() -> Variable {
        let out = value.tanh()
        return Variable.record(out, op: "tanh", parents: [self]) { g in
            [Kernels.map(g, out, op: "tanh backward") { g, t in g * (1 - t * t) }]
        }
    }

    /// `x * sigmoid(x)`, Llama's MLP activation.
    public func silu() -> Variable {
        Variable.record(value.silu(), op: "silu", parents: [self]) { [value] g in
            [Kernels.map(g, value, op: "silu backward") { g, x in g * Variable.siluDerivative(x) }]
        }
    }

    /// `max(x, 0)`; the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Variable {
        Variable.record(value.relu(), op: "relu", parents: [self]) { [value] g in
            [Kernels.map(g, value, op: "relu backward") { g, x in x > 0 ? g : 0 }]
        }
    }

    /// d/dx of x * sigmoid(x) = s * (1 + x * (1 - s)).
    @inline(__always)
    static func siluDerivative(_ x: Float) -> Float {
        let s = 1 / (1 + Foundation.exp(-x))
        return s * (1 + x * (1 - s))
    }
}
