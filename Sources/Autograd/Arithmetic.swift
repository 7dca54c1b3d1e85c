import Tensor

/// Broadcasting arithmetic. Each gradient is summed back to its input's shape.
extension Variable {
    /// Elementwise sum with broadcasting.
    public static func + (a: Variable, b: Variable) -> Variable {
        record(a.value + b.value, op: "add", parents: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(g, a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(g, b.shape) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable {
        record(a.value - b.value, op: "sub", parents: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(g, a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(-g, b.shape) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Variable, b: Variable) -> Variable {
        record(a.value * b.value, op: "mul", parents: [a, b]) { g in
            [a.requiresGrad ? Kernels.sumToShape(g * b.value, a.shape) : nil,
             b.requiresGrad ? Kernels.sumToShape(g * a.value, b.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting; d/db = -g a / b².
    public static func / (a: Variable, b: Variable) -> Variable {
        let out = a.value / b.value
        return record(out, op: "div", parents: [a, b]) { g in
            let ga = g / b.value
            return [a.requiresGrad ? Kernels.sumToShape(ga, a.shape) : nil,
                    b.requiresGrad ? Kernels.sumToShape(-(ga * out), b.shape) : nil]
        }
    }

    /// Negation.
    public static prefix func - (a: Variable) -> Variable {
        record(-a.value, op: "neg", parents: [a]) { g in [-g] }
    }

    /// Adds a constant.
    public static func + (a: Variable, b: Float) -> Variable {
        record(a.value + b, op: "add", parents: [a]) { g in [g] }
    }

    /// Adds a constant.
    public static func + (a: Float, b: Variable) -> Variable { b + a }

    /// Subtracts a constant.
    public static func - (a: Variable, b: Float) -> Variable {
        record(a.value - b, op: "sub", parents: [a]) { g in [g] }
    }

    /// A constant minus the variable.
    public static func - (a: Float, b: Variable) -> Variable {
        record(a - b.value, op: "sub", parents: [b]) { g in [-g] }
    }

    /// Scales by a constant.
    public static func * (a: Variable, b: Float) -> Variable {
        record(a.value * b, op: "mul", parents: [a]) { g in [g * b] }
    }

    /// Scales by a constant.
    public static func * (a: Float, b: Variable) -> Variable { b * a }

    /// Divides by a constant.
    public static func / (a: Variable, b: Float) -> Variable {
        record(a.value / b, op: "div", parents: [a]) { g in [g / b] }
    }
}
