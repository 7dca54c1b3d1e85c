import Dispatch
import Foundation

/// Splits work over the machine's cores: on `SpinningPool`'s threads, which stay awake between the
/// many short regions of a decode step, or on `DispatchQueue.concurrentPerform` when the pool is
/// already busy (a region started inside another, or from a second thread).
public enum Parallel {
    /// Number of worker threads used by the kernels (all active cores by default).
    nonisolated(unsafe) public static var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body(range)` over `0..<count` cut into at most `threads` contiguous chunks; runs inline
    /// when the work is smaller than `minimumPerThread` per thread.
    public static func forRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.max(1, min(threads, count / Swift.max(minimumPerThread, 1)))
        forChunks(count, chunks: chunks, body)
    }

    /// Runs `body(range)` over `0..<count` cut into `chunks` contiguous ranges taken by the threads in
    /// turn, so that more chunks than threads balance uneven progress; inline when `chunks` or
    /// `threads` is 1.
    public static func forChunks(_ count: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.max(1, Swift.min(chunks, count))
        if chunks <= 1 || threads <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let range = { (c: Int) -> Range<Int> in (count * c / chunks)..<(count * (c + 1) / chunks) }
        if SpinningPool.shared.run(chunks: chunks, { c in body(range(c)) }) { return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in body(range(c)) }
    }
}
