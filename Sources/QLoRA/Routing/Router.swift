import Autograd
import Foundation
import Llama
import Tensor

/// The paper's gate: a sentence embedding through Linear -> ReLU -> Linear -> softmax, giving one
/// probability per source adapter (384 -> 8 -> 3 in the paper), computed once per input.
public struct Router: Sendable {
    /// Names of the adapters, in the order of the output probabilities.
    public var adapterNames: [String]
    /// [hidden, dimension], [hidden], [adapters, hidden], [adapters]
    public var w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor

    public init(adapterNames: [String], w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) throws {
        guard w1.rank == 2, b1.shape == [w1.shape[0]], w2.rank == 2, w2.shape[1] == w1.shape[0], b2.shape == [w2.shape[0]] else {
            throw AdapterError(file: "router", field: "weights", message: "layer shapes \(w1.shape), \(b1.shape), \(w2.shape), \(b2.shape) do not chain")
        }
        guard w2.shape[0] == adapterNames.count else {
            throw AdapterError(file: "router", field: "w2", message: "router gives \(w2.shape[0]) probabilities for \(adapterNames.count) adapters (\(adapterNames.joined(separator: ", ")))")
        }
        self.adapterNames = adapterNames
        self.w1 = w1
        self.b1 = b1
        self.w2 = w2
        self.b2 = b2
    }

    /// A freshly initialised router, as `torch.nn.Linear` initialises its layers (kaiming-uniform
    /// weights with a = sqrt 5, biases uniform in +-1/sqrt(fan_in)).
    public init(adapterNames: [String], dimension: Int, hidden: Int = 8, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        let bound1 = 1 / Float(dimension).squareRoot(), bound2 = 1 / Float(hidden).squareRoot()
        self.adapterNames = adapterNames
        w1 = Tensor.kaimingUniform([hidden, dimension], generator: &rng)
        b1 = Tensor.uniform([hidden], low: -bound1, high: bound1, generator: &rng)
        w2 = Tensor.kaimingUniform([adapterNames.count, hidden], generator: &rng)
        b2 = Tensor.uniform([adapterNames.count], low: -bound2, high: bound2, generator: &rng)
    }

    public var dimension: Int { w1.shape[1] }

    /// Logits [n, adapters] for embeddings [n, dimension], differentiable in the router weights.
    static func logits(_ x: Variable, _ w1: Variable, _ b1: Variable, _ w2: Variable, _ b2: Variable) -> Variable {
        x.linear(w1, bias: b1).relu().linear(w2, bias: b2)
    }

    /// Gate probabilities [n, adapters]; throws if any is not a finite number.
    public func probabilities(_ embeddings: Tensor) throws -> Tensor {
        precondition(embeddings.rank == 2 && embeddings.shape[1] == dimension,
                     "Router: embeddings \(embeddings.shape) do not match router input \(dimension)")
        let p = noGrad {
            Router.logits(Variable(embeddings), Variable(w1), Variable(b1), Variable(w2), Variable(b2)).value.softmax(axis: -1)
        }
        if p.scalars.contains(where: { !$0.isFinite }) {
            throw AdapterError(file: "router", field: "probabilities", message: "router produced NaN or infinite probabilities")
        }
        return p
    }
}
