import Foundation

/// A binary elementwise operation, written once for SIMD lanes and once for a scalar.
/// Kernels are generic over it, so each op compiles to its own specialised loop.
public protocol BinaryKernel {
    static var name: String { get }
    static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func apply(_ a: Float, _ b: Float) -> Float
}

/// A unary elementwise operation on scalars, and optionally on SIMD lanes (by default the scalar
/// function lane by lane).
public protocol UnaryKernel {
    static var name: String { get }
    static func apply(_ x: Float) -> Float
    static func apply(_ x: SIMD8<Float>) -> SIMD8<Float>
}

extension UnaryKernel {
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>()
        for i in 0..<8 { r[i] = apply(x[i]) }
        return r
    }
}

/// Below this many elements a kernel runs on one thread: spawning costs more than it saves.
let parallelThreshold = 1 << 16

extension Tensor {
    /// `a ∘ b` with NumPy broadcasting.
    public static func binary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _: K.Type) -> Tensor {
        guard let outShape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(K.name): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let out = Tensor(uninitialized: outShape)
        let o = out.storage.pointer
        let n = out.count
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let pa = a.storage.pointer + a.offset, pb = b.storage.pointer + b.offset
            Parallel.forRanges(n, minimumPerThread: parallelThreshold) { r in
                binaryRun(K.self, pa + r.lowerBound, 1, pb + r.lowerBound, 1, o + r.lowerBound, r.count)
            }
            return out
        }
        let ea = a.expanded(to: outShape), eb = b.expanded(to: outShape)
        let inner = outShape.last ?? 1
        let sa = ea.strides.last ?? 0, sb = eb.strides.last ?? 0
        let rows = inner == 0 ? 0 : n / inner
        let pa = ea.storage.pointer, pb = eb.storage.pointer
        Parallel.forRanges(rows, minimumPerThread: Swift.max(1, parallelThreshold / Swift.max(inner, 1))) { r in
            // Each chunk walks its own rows with a fresh odometer over the outer dimensions.
            if outShape.count <= 1 {
                binaryRun(K.self, pa + ea.offset, sa, pb + eb.offset, sb, o, inner)
                return
            }
            var idx = [Int](repeating: 0, count: outShape.count - 1)
            var rem = r.lowerBound
            for d in stride(from: outShape.count - 2, through: 0, by: -1) {
                idx[d] = rem % outShape[d]
                rem /= outShape[d]
            }
            for row in r {
                var offA = ea.offset, offB = eb.offset
                for d in 0..<idx.count {
                    offA += idx[d] * ea.strides[d]
                    offB += idx[d] * eb.strides[d]
                }
                binaryRun(K.self, pa + offA, sa, pb + offB, sb, o + row * inner, inner)
                var d = idx.count - 1
                while d >= 0 {
                    idx[d] += 1
                    if idx[d] < outShape[d] { break }
                    idx[d] = 0
                    d -= 1
                }
            }
        }
        return out
    }

    @inline(__always)
    static func binaryRun<K: BinaryKernel>(_: K.Type, _ a: UnsafePointer<Float>, _ sa: Int,
                                           _ b: UnsafePointer<Float>, _ sb: Int,
                                           _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        if sa == 1 && sb == 1 {
            while i + 8 <= n {
                let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(o + i).storeBytes(of: K.apply(va, vb), as: SIMD8<Float>.self)
                i += 8
            }
        } else if sa == 1 && sb == 0 {
            let vb = SIMD8<Float>(repeating: b[0])
            while i + 8 <= n {
                let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(o + i).storeBytes(of: K.apply(va, vb), as: SIMD8<Float>.self)
                i += 8
            }
        } else if sa == 0 && sb == 1 {
            let va = SIMD8<Float>(repeating: a[0])
            while i + 8 <= n {
                let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(o + i).storeBytes(of: K.apply(va, vb), as: SIMD8<Float>.self)
                i += 8
            }
        }
        while i < n {
            o[i] = K.apply(a[i * sa], b[i * sb])
            i += 1
        }
    }

    /// `f(x)` for every element.
    public func unary<K: UnaryKernel>(_: K.Type) -> Tensor {
        let src = contiguous()
        defer { withExtendedLifetime(src) {} }
        let out = Tensor(uninitialized: shape)
        let p = src.storage.pointer + src.offset, o = out.storage.pointer
        Parallel.forRanges(count, minimumPerThread: parallelThreshold / 4) { r in
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                SIMDMath.store(K.apply(SIMDMath.load(p + i)), o + i)
                i += 8
            }
            while i < r.upperBound {
                o[i] = K.apply(p[i])
                i += 1
            }
        }
        return out
    }
}

public enum Add: BinaryKernel {
    public static let name = "add"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}
public enum Sub: BinaryKernel {
    public static let name = "sub"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a - b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}
public enum Mul: BinaryKernel {
    public static let name = "mul"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a * b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}
public enum Div: BinaryKernel {
    public static let name = "div"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a / b }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}
public enum Maximum: BinaryKernel {
    public static let name = "maximum"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { pointwiseMax(a, b) }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) }
}
public enum Pow: BinaryKernel {
    public static let name = "pow"
    @inline(__always) public static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        var r = SIMD8<Float>()
        for i in 0..<8 { r[i] = Foundation.pow(a[i], b[i]) }
        return r
    }
    @inline(__always) public static func apply(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
}

public enum Neg: UnaryKernel {
    public static let name = "neg"
    @inline(__always) public static func apply(_ x: Float) -> Float { -x }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { -x }
}
public enum Exp: UnaryKernel {
    public static let name = "exp"
    @inline(__always) public static func apply(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { SIMDMath.exp(x) }
}
public enum Log: UnaryKernel { public static let name = "log"; @inline(__always) public static func apply(_ x: Float) -> Float { Foundation.log(x) } }
public enum Sqrt: UnaryKernel {
    public static let name = "sqrt"
    @inline(__always) public static func apply(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x.squareRoot() }
}
public enum Rsqrt: UnaryKernel {
    public static let name = "rsqrt"
    @inline(__always) public static func apply(_ x: Float) -> Float { 1 / x.squareRoot() }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / x.squareRoot() }
}
public enum Sigmoid: UnaryKernel {
    public static let name = "sigmoid"
    @inline(__always) public static func apply(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + SIMDMath.exp(-x)) }
}
public enum Tanh: UnaryKernel { public static let name = "tanh"; @inline(__always) public static func apply(_ x: Float) -> Float { Foundation.tanh(x) } }
public enum SiLU: UnaryKernel {
    public static let name = "silu"
    @inline(__always) public static func apply(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> { x / (1 + SIMDMath.exp(-x)) }
}
public enum Relu: UnaryKernel {
    public static let name = "relu"
    @inline(__always) public static func apply(_ x: Float) -> Float { Swift.max(x, 0) }
    @inline(__always) public static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Not pointwiseMax: it drops NaN, and a NaN must survive relu as it does in PyTorch.
        x.replacing(with: 0, where: x .< 0)
    }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Add.self) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Sub.self) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Mul.self) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, Div.self) }
    public static func + (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(scalar: b), Add.self) }
    public static func - (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(scalar: b), Sub.self) }
    public static func * (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(scalar: b), Mul.self) }
    public static func / (a: Tensor, b: Float) -> Tensor { binary(a, Tensor(scalar: b), Div.self) }
    public static func * (a: Float, b: Tensor) -> Tensor { binary(Tensor(scalar: a), b, Mul.self) }
    public static func - (a: Float, b: Tensor) -> Tensor { binary(Tensor(scalar: a), b, Sub.self) }
    public static prefix func - (a: Tensor) -> Tensor { a.unary(Neg.self) }

    public func maximum(_ other: Tensor) -> Tensor { Tensor.binary(self, other, Maximum.self) }
    public func pow(_ exponent: Tensor) -> Tensor { Tensor.binary(self, exponent, Pow.self) }
    public func pow(_ exponent: Float) -> Tensor { Tensor.binary(self, Tensor(scalar: exponent), Pow.self) }
    public func exp() -> Tensor { unary(Exp.self) }
    public func log() -> Tensor { unary(Log.self) }
    public func sqrt() -> Tensor { unary(Sqrt.self) }
    public func rsqrt() -> Tensor { unary(Rsqrt.self) }
    public func sigmoid() -> Tensor { unary(Sigmoid.self) }
    public func tanh() -> Tensor { unary(Tanh.self) }
    public func silu() -> Tensor { unary(SiLU.self) }
    public func relu() -> Tensor { unary(Relu.self) }
}
