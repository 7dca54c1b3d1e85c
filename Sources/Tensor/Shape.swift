/// Shape arithmetic shared by every op: strides, broadcasting and axis normalisation.
public enum Shape {
    /// Row-major strides for a dense tensor of `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= Swift.max(shape[i], 1)
        }
        return strides
    }

    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// NumPy broadcasting of two shapes; `nil` when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Resolves a possibly negative axis against `rank`, trapping with the op's name when out of range.
    /// `op` is only evaluated for the message, so callers may describe shapes in it for free.
    public static func axis(_ axis: Int, rank: Int, op: @autoclosure () -> String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "\(op()): axis \(axis) out of range for rank \(rank)")
        return a
    }
}
