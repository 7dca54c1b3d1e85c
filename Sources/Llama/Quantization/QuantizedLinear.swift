import Tensor

/// A linear layer y = x Wᵀ whose weight [out, in] is stored 4-bit (bitsandbytes layout), for
/// quantized models and QLoRA's frozen base weights.
public struct QuantizedLinear: Sendable {
    /// How single-row inputs (decode) are multiplied.
    public enum GEMVPath: Sendable {
        /// Dequantize-then-dot in float32 (`gemvExact`).
        case exact
        /// int8 activations and table lookups (`gemvFast`), about 0.7% RMS from exact.
        case fast
    }

    /// The quantized weight [out, in].
    public let weight: QuantizedTensor
    /// The kernel used for single-row inputs.
    public var gemvPath: GEMVPath

    /// Wraps an already quantized 2-D weight.
    public init(weight: QuantizedTensor, gemvPath: GEMVPath = .exact) {
        precondition(weight.shape.count == 2, "QuantizedLinear: weight shape \(weight.shape) is not 2-D")
        self.weight = weight
        self.gemvPath = gemvPath
    }

    /// Quantizes a dense weight [out, in].
    public init(quantizing w: Tensor, quantType: QuantType = .nf4, blocksize: Int = 64, doubleQuant: Bool = true,
                gemvPath: GEMVPath = .exact) {
        self.init(weight: QuantizedTensor(quantizing: w, quantType: quantType, blocksize: blocksize, doubleQuant: doubleQuant),
                  gemvPath: gemvPath)
    }

    /// Output features (weight rows).
    public var outFeatures: Int { weight.shape[0] }
    /// Input features (weight columns).
    public var inFeatures: Int { weight.shape[1] }

    /// x [..., in] -> x Wᵀ [..., out]. One row takes the GEMV kernel, more rows the panel GEMM,
    /// except one token of each of several sequences, [batch, 1, in] (decoding side by side): on
    /// the fast path those take the GEMV kernel together (`gemvFastBatch`), each row as alone.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == inFeatures,
                     "QuantizedLinear.forward: input \(x.shape) does not end in \(inFeatures) (weight \(weight.shape))")
        let m = x.count / inFeatures
        let xc = x.contiguous()
        let y = Tensor(zeros: Array(x.shape.dropLast()) + [outFeatures])
        xc.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if m == 1 {
                    switch gemvPath {
                    case .exact: weight.gemvExact(xp.baseAddress!, yp.baseAddress!)
                    case .fast: weight.gemvFast(xp.baseAddress!, yp.baseAddress!)
                    }
                } else if gemvPath == .fast && x.rank == 3 && x.shape[1] == 1 {
                    weight.gemvFastBatch(xp.baseAddress!, m: m, yp.baseAddress!)
                } else {
                    weight.gemm(xp.baseAddress!, m: m, yp.baseAddress!)
                }
            }
        }
        return y
    }

    /// dy [..., out] -> dy W [..., in], the gradient with respect to the input.
    public func backwardInput(_ dy: Tensor) -> Tensor {
        precondition(dy.rank >= 1 && dy.shape.last == outFeatures,
                     "QuantizedLinear.backwardInput: gradient \(dy.shape) does not end in \(outFeatures) (weight \(weight.shape))")
        let m = dy.count / outFeatures
        let dyc = dy.contiguous()
        let dx = Tensor(zeros: Array(dy.shape.dropLast()) + [inFeatures])
        dyc.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { xp in
                weight.gemmTransposed(gp.baseAddress!, m: m, xp.baseAddress!)
            }
        }
        return dx
    }
}

extension QuantizedLinear: FrozenLinear {}
