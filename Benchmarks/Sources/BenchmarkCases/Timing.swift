import Dispatch

/// Wall-clock timing of competing variants, interleaved round by round so that load from other
/// processes on a shared machine falls on all of them alike.
public enum Timing {
    /// Runs each variant once to warm up, then `rounds` times in turn; returns each variant's
    /// times in seconds, sorted.
    public static func interleaved(rounds: Int, _ variants: [() -> Void]) -> [[Double]] {
        for v in variants { v() }
        var times = [[Double]](repeating: [], count: variants.count)
        for _ in 0..<rounds {
            for (i, v) in variants.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                v()
                times[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return times.map { $0.sorted() }
    }

    public static func median(_ sorted: [Double]) -> Double { sorted[sorted.count / 2] }
}
