import Tensor

/// Runs `body` over `0..<count` in about eight chunks per thread of `Parallel.threads`, so that on a shared
/// host a thread delayed by another process leaves its remaining chunks to the others.
func forRowChunks(_ count: Int, minimumChunk: Int = 16, _ body: (Range<Int>) -> Void) {
    let threads = Swift.max(Parallel.threads, 1)
    Parallel.forChunks(count, chunks: Swift.min(threads * 8, count / Swift.max(minimumChunk, 1)), body)
}
