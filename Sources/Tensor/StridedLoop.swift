/// Walks a strided tensor row by row: the innermost dimension becomes a (pointer, stride, count)
/// run, the outer dimensions an odometer. Every strided kernel is built on this.
enum StridedLoop {
    /// Calls `body(rowIndex, offsets)` for each innermost row, where `offsets[k]` is the storage
    /// offset of row start in operand `k`. Rows are numbered in row-major order of `shape`.
    @inline(__always)
    static func forEachRow(shape: [Int], strides: [[Int]], offsets: [Int], _ body: (Int, UnsafeMutableBufferPointer<Int>) -> Void) {
        let rank = shape.count
        let outer = rank == 0 ? 1 : Shape.count(Array(shape.dropLast()))
        if outer == 0 { return }
        let k = strides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: k) { current in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(rank, 1)) { index in
                for j in 0..<k { current[j] = offsets[j] }
                for d in 0..<Swift.max(rank, 1) { index[d] = 0 }
                for row in 0..<outer {
                    body(row, current)
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        for j in 0..<k { current[j] += strides[j][d] }
                        if index[d] < shape[d] { break }
                        for j in 0..<k { current[j] -= strides[j][d] * shape[d] }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }

    /// Copies `source` densely into `dest` (row-major).
    static func copy(from source: Tensor, into dest: UnsafeMutablePointer<Float>) {
        let inner = source.shape.last ?? 1
        let innerStride = source.strides.last ?? 1
        let src = source.storage.pointer
        forEachRow(shape: source.shape, strides: [source.strides], offsets: [source.offset]) { row, off in
            let out = dest + row * inner
            let base = src + off[0]
            if innerStride == 1 {
                out.update(from: base, count: inner)
            } else {
                for i in 0..<inner { out[i] = base[i * innerStride] }
            }
        }
    }
}
