import Foundation
import Synchronization

/// Worker threads for `Parallel` that keep spinning for a short while after each parallel region
/// before they sleep, as OpenMP runtimes do.
///
/// Decoding one token runs about five parallel regions per layer, each a few microseconds of work;
/// `DispatchQueue.concurrentPerform` parks its threads between them and wakes them through the
/// kernel, which cost llama decode about a third of its time on two cores. Here the caller publishes
/// a job by bumping `generation`; workers that are still spinning see it within nanoseconds and take
/// chunks from a shared counter, so a slow or descheduled thread only delays its current chunk.
final class SpinningPool: @unchecked Sendable {
    /// One pool for the process, with a worker for every core beyond the caller's.
    static let shared = SpinningPool(workers: Swift.max(ProcessInfo.processInfo.activeProcessorCount - 1, 0))

    /// How long a worker spins for the next job before it sleeps.
    private static let spinNanoseconds: UInt64 = 100_000

    let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let finishedGeneration = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let active = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let wake = NSCondition()
    // Written by the caller before it bumps `generation` and cleared only after every worker has
    // left the job (`active` back to zero), so workers read them without a lock.
    private var chunks = 0
    private var body: ((Int) -> Void)?

    init(workers: Int) {
        workerCount = workers
        for i in 0..<workers {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "Parallel worker \(i + 1)"
            thread.start()
        }
    }

    /// Runs `body(c)` for every c in `0..<chunks` on the caller and the workers, returning when all
    /// are done; false (running nothing) when the pool is already running a job, so that nested or
    /// concurrent callers can fall back to Dispatch.
    func run(chunks count: Int, _ work: (Int) -> Void) -> Bool {
        guard workerCount > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(work) { escapable in
            chunks = count
            body = escapable
            nextChunk.store(0, ordering: .sequentiallyConsistent)
            unfinished.store(count, ordering: .sequentiallyConsistent)
            let job = generation.add(1, ordering: .sequentiallyConsistent).newValue
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            let done = takeChunks(work, count: count)
            if done > 0 { unfinished.subtract(done, ordering: .sequentiallyConsistent) }
            var spins = 0
            while unfinished.load(ordering: .sequentiallyConsistent) > 0 { Self.backOff(&spins) }
            finishedGeneration.store(job, ordering: .sequentiallyConsistent)
            while active.load(ordering: .sequentiallyConsistent) > 0 { Self.backOff(&spins) }
            body = nil
        }
        return true
    }

    /// Runs chunks until none are left; returns how many this thread ran.
    @inline(__always)
    private func takeChunks(_ work: (Int) -> Void, count: Int) -> Int {
        var done = 0
        while true {
            let c = nextChunk.add(1, ordering: .sequentiallyConsistent).oldValue
            if c >= count { return done }
            work(c)
            done += 1
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            let job = waitForJob(after: seen)
            seen = job
            active.add(1, ordering: .sequentiallyConsistent)
            // A worker that wakes after the caller finished this job must not read its fields: the
            // caller may already be writing the next job's.
            if finishedGeneration.load(ordering: .sequentiallyConsistent) < job {
                let done = joinJob()
                if done > 0 { unfinished.subtract(done, ordering: .sequentiallyConsistent) }
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Kept out of line so that every reference this thread took to the caller's closure is released
    /// before `active` drops, which `withoutActuallyEscaping` checks.
    @inline(never)
    private func joinJob() -> Int {
        guard let body else { return 0 }
        return takeChunks(body, count: chunks)
    }

    /// Spins until `generation` moves past `seen`, then sleeps until it does.
    private func waitForJob(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while true {
            let g = generation.load(ordering: .sequentiallyConsistent)
            if g != seen { return g }
            spins += 1
            // After a short pure spin, yield on every round: OpenBLAS's own threads (sgemm between
            // our regions) then get the core at once instead of after a scheduler time slice.
            if spins > 256 { sched_yield() }
            if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
        }
        wake.lock()
        defer { wake.unlock() }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let g = generation.load(ordering: .sequentiallyConsistent)
            if g != seen { return g }
            wake.wait()
        }
    }

    /// Busy-waits at first; once a wait runs long (a worker lost its core to another process),
    /// yields the core so that worker can finish.
    @inline(__always)
    private static func backOff(_ spins: inout Int) {
        spins += 1
        if spins > 20_000 { sched_yield() }
    }
}
