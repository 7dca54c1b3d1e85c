import Dispatch
import XCTest
@testable import Tensor

/// `Parallel` runs every chunk exactly once, whether on the spinning pool, nested inside another
/// region, or from several threads at once (where all but one caller fall back to Dispatch).
final class ParallelTests: XCTestCase {
    override func setUp() {
        saved = Parallel.threads
        Parallel.threads = Swift.max(saved, 2)
    }

    override func tearDown() { Parallel.threads = saved }
    private var saved = 1

    /// Marks each index of `0..<count` once through `forChunks`; returns how often each was visited.
    private func visits(_ count: Int, chunks: Int) -> [Int] {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
        hits.initialize(repeating: 0, count: count)
        defer { hits.deallocate() }
        Parallel.forChunks(count, chunks: chunks) { range in
            for i in range { hits[i] += 1 }
        }
        return Array(UnsafeBufferPointer(start: hits, count: count))
    }

    func testEveryIndexOnceAcrossManyShortRegions() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let count = Int.random(in: 0...300, using: &rng), chunks = Int.random(in: 1...40, using: &rng)
            let v = visits(count, chunks: chunks)
            XCTAssertEqual(v, [Int](repeating: 1, count: count), "count \(count), chunks \(chunks)")
        }
    }

    func testRegionsAfterWorkersFellAsleep() {
        for _ in 0..<5 {
            Thread.sleep(forTimeInterval: 0.002)
            XCTAssertEqual(visits(1000, chunks: 16), [Int](repeating: 1, count: 1000))
        }
    }

    func testNestedRegions() {
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        sums.initialize(repeating: 0, count: 8)
        defer { sums.deallocate() }
        Parallel.forChunks(8, chunks: 8) { outer in
            for o in outer {
                let inner = UnsafeMutablePointer<Int>.allocate(capacity: 100)
                inner.initialize(repeating: 0, count: 100)
                Parallel.forChunks(100, chunks: 4) { r in for i in r { inner[i] = i } }
                sums[o] = (0..<100).reduce(0) { $0 + inner[$1] }
                inner.deallocate()
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: sums, count: 8)), [Int](repeating: 4950, count: 8))
    }

    func testConcurrentCallers() {
        let ok = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
        ok.initialize(repeating: false, count: 4)
        defer { ok.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            var good = true
            for n in 0..<300 { good = good && visits(50 + n % 200, chunks: 1 + n % 13).allSatisfy { $0 == 1 } }
            ok[t] = good
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: ok, count: 4)), [true, true, true, true])
    }
}
