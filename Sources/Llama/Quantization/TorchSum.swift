/// PyTorch's float32 CPU `sum`/`mean` of a contiguous vector, reproduced in its summation order so that
/// the double-quantization offset (`absmax.mean()`) matches bitsandbytes bit for bit.
///
/// Follows ATen's `cascade_sum` (SumKernel.cpp) for an AVX2 build: 8-lane vectors, four interleaved
/// accumulators, four cascade levels; vectors shorter than 8 take the scalar four-accumulator path.
/// Matches single-threaded torch at any length (tested up to 40000). Torch with several threads splits sums
/// of more than 32768 elements by its thread count, which this does not model, so the offset of a tensor
/// with that many blocks (over 2M weights at blocksize 64) can differ from such a run in the last bits.
enum TorchSum {
    static func mean(_ x: UnsafeBufferPointer<Float>) -> Float {
        sum(x) / Float(x.count)
    }

    static func sum(_ x: UnsafeBufferPointer<Float>) -> Float {
        let n = x.count
        guard let base = x.baseAddress, n > 0 else { return 0 }
        if n < 8 {
            // Lane 0 of each vector carries the scalar accumulator.
            let p = multiRowSum(count: n / 4) { i, k in SIMD8(base[i * 4 + k], 0, 0, 0, 0, 0, 0, 0) }
            var acc = p[0][0]
            for i in (n / 4 * 4)..<n { acc += base[i] }
            for k in 1..<4 { acc += p[k][0] }
            return acc
        }
        let raw = UnsafeRawPointer(base)
        let vecCount = n / 8
        let rows = vecCount / 4
        var p = multiRowSum(count: rows) { i, k in
            raw.loadUnaligned(fromByteOffset: (i * 4 + k) * 32, as: SIMD8<Float>.self)
        }
        for v in (rows * 4)..<vecCount {
            p[0] += raw.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)
        }
        for k in 1..<4 { p[0] += p[k] }
        var acc: Float = 0
        for i in (vecCount * 8)..<n { acc += base[i] }
        for lane in 0..<8 { acc += p[0][lane] }
        return acc
    }

    private static func ceilLog2(_ x: Int) -> Int {
        if x <= 2 { return 1 }
        // ceil(log2(x)) as ATen computes it: findLastSet(x - 1) + 1.
        return 64 - (UInt64(x) - 1).leadingZeroBitCount
    }

    /// ATen's `multi_row_sum` with four rows: `load(i, k)` is element k of row i.
    private static func multiRowSum(count: Int, _ load: (Int, Int) -> SIMD8<Float>) -> [SIMD8<Float>] {
        let zero = SIMD8<Float>(repeating: 0)
        let levels = 4
        let levelPower = max(4, ceilLog2(count) / levels)
        let levelStep = 1 << levelPower
        let levelMask = levelStep - 1
        var acc = [[SIMD8<Float>]](repeating: [SIMD8<Float>](repeating: zero, count: 4), count: levels)
        var i = 0
        while i + levelStep <= count {
            for _ in 0..<levelStep {
                for k in 0..<4 { acc[0][k] += load(i, k) }
                i += 1
            }
            for j in 1..<levels {
                for k in 0..<4 {
                    acc[j][k] += acc[j - 1][k]
                    acc[j - 1][k] = zero
                }
                if i & (levelMask << (j * levelPower)) != 0 { break }
            }
        }
        while i < count {
            for k in 0..<4 { acc[0][k] += load(i, k) }
            i += 1
        }
        for j in 1..<levels {
            for k in 0..<4 { acc[0][k] += acc[j][k] }
        }
        return acc[0]
    }
}
