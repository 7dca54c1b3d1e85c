/// PyTorch's float32 CPU `sum`/`mean` of a contiguous vector, reproduced in its summation order so that
/// the double-quantization offset (`absmax.mean()`) matches bitsandbytes bit for bit.
///
/// Follows ATen's `cascade_sum` (SumKernel.cpp) for an AVX2 build: 8-lane vectors, four interleaved
/// accumulators, four cascade levels; vectors shorter than 8 take the scalar four-accumulator path.
/// Torch with several threads sums more than 32768 elements (ATen's GRAIN_SIZE) in per-thread chunks,
/// so the result depends on the thread count of the run being matched (`torch.get_num_threads()`).
enum TorchSum {
    /// ATen's `internal::GRAIN_SIZE`: below it, or with one thread, a reduction runs serially.
    static let grainSize = 32768

    static func mean(_ x: UnsafeBufferPointer<Float>, threads: Int = 1) -> Float {
        sum(x, threads: threads) / Float(x.count)
    }

    /// `torch.sum` of `x` under `threads` torch threads: `TensorIteratorBase::parallel_reduce`'s
    /// two-pass reduction for a scalar output. `at::parallel_for` (OpenMP) cuts the vector into
    /// min(threads, ceil(n / grainSize)) chunks of ceil(n / chunks) elements, each cascade-summed into its
    /// own slot of a zeroed buffer of `threads` values; the buffer is then cascade-summed.
    static func sum(_ x: UnsafeBufferPointer<Float>, threads: Int) -> Float {
        let n = x.count
        guard threads > 1, n >= grainSize else { return sum(x) }
        let chunks = min(threads, (n + grainSize - 1) / grainSize)
        let size = (n + chunks - 1) / chunks
        var partials = [Float](repeating: 0, count: threads)
        for t in 0..<chunks where t * size < n {
            partials[t] = sum(UnsafeBufferPointer(rebasing: x[(t * size)..<min(n, (t + 1) * size)]))
        }
        return partials.withUnsafeBufferPointer { sum($0) }
    }

    /// One thread's cascade sum.
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
