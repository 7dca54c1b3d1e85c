import Foundation

/// Code-point order of two UTF-8 strings, which is byte order; Python and pandas sort strings
/// this way, unlike Swift's `String <` (Unicode canonical ordering), and it is much faster.
@inline(__always)
func utf8Less(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    let n = min(a.count, b.count)
    let c = a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n) }
    }
    return c != 0 ? c < 0 : a.count < b.count
}

/// Byte-order comparison of rows of UTF-8 fields, column by column.
func utf8RowsLess(_ a: [[UInt8]], _ b: [[UInt8]]) -> Bool {
    for (x, y) in zip(a, b) where x != y {
        return utf8Less(x, y)
    }
    return false
}
