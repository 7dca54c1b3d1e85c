import Autograd
import Llama
import Tensor

/// A frozen linear layer with a trainable low-rank update, as PEFT's `lora.Linear` computes it:
///
///     y = base(x) + scaling * B(A(dropout(x)))
///
/// with dropout on the LoRA input only. A starts kaiming-uniform (a = sqrt 5), B at zero, so an
/// untrained adapter leaves the model unchanged.
public final class LoRALayer {
    public let base: any FrozenLinear
    public let a: Variable
    public let b: Variable
    public let scaling: Float
    public let dropout: Float

    public init(base: any FrozenLinear, weights: LoRAWeights, scaling: Float, dropout: Float, trainable: Bool = true, name: String) {
        precondition(weights.inFeatures == base.inFeatures && weights.outFeatures == base.outFeatures,
                     "LoRALayer \(name): factors [\(weights.outFeatures), \(weights.rank)] x [\(weights.rank), \(weights.inFeatures)] do not fit the base [\(base.outFeatures), \(base.inFeatures)]")
        self.base = base
        // Own copies: the optimizer updates them in place, and loaded factors may be read-only file mappings.
        a = Variable(weights.a.copy(), requiresGrad: trainable, name: name + ".lora_A.weight")
        b = Variable(weights.b.copy(), requiresGrad: trainable, name: name + ".lora_B.weight")
        self.scaling = scaling
        self.dropout = dropout
    }

    /// Fresh factors for a new adapter: A kaiming-uniform, B zero.
    public static func initialWeights(rank: Int, inFeatures: Int, outFeatures: Int, generator: inout RandomGenerator) -> LoRAWeights {
        LoRAWeights(a: Tensor.kaimingUniform([rank, inFeatures], generator: &generator), b: Tensor(zeros: [outFeatures, rank]))
    }

    /// The layer's output; `generator` draws the dropout mask when training (pass `nil` to evaluate).
    public func callAsFunction(_ x: Variable, generator: inout RandomGenerator?) -> Variable {
        let y = x.linear(frozen: base)
        var input = x
        if dropout > 0, var g = generator {
            input = x.dropout(p: dropout, generator: &g)
            generator = g
        }
        return y + input.matmul(a.transposed()).matmul(b.transposed()) * scaling
    }

    public var weights: LoRAWeights { LoRAWeights(a: a.value, b: b.value) }
}
