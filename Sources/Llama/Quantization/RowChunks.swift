import Dispatch
import Tensor

/// Runs `body` over `0..<count` in about eight chunks per thread of `Parallel.threads`, so that on a shared
/// host a thread delayed by another process leaves its remaining chunks to the others
/// (`Parallel.forRanges` cuts exactly one chunk per thread).
func forRowChunks(_ count: Int, minimumChunk: Int = 16, _ body: (Range<Int>) -> Void) {
    let threads = Swift.max(Parallel.threads, 1)
    let chunks = Swift.max(1, Swift.min(threads * 8, count / Swift.max(minimumChunk, 1)))
    if chunks == 1 || threads == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        if lo < hi { body(lo..<hi) }
    }
}
