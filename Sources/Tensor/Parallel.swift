import Dispatch
import Foundation

/// Splits work over the machine's cores with `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// Number of worker threads used by the kernels (all active cores by default).
    nonisolated(unsafe) public static var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body(range)` over `0..<count` cut into at most `threads` contiguous chunks; runs inline
    /// when the work is smaller than `minimumPerThread` per thread.
    public static func forRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.max(1, min(threads, count / Swift.max(minimumPerThread, 1)))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
