import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Optimizer moments that page to disk under a memory budget.
///
/// bitsandbytes' paged optimizers rely on CUDA unified memory and refuse to page on the CPU, so
/// this is our definition for the CPU: every state tensor of at least `minimumPagedElements`
/// elements lives in its own memory-mapped file (both moments, 8 bytes per element) in `directory`.
/// After each use the store counts that tensor as resident; when the resident bytes exceed
/// `budgetBytes`, the most recently used other tensors are written back (`msync`) and dropped from
/// memory (`madvise(MADV_DONTNEED)` and `posix_fadvise(POSIX_FADV_DONTNEED)`), to be faulted back
/// from the file on their next use. Smaller tensors stay in memory. The arithmetic does not change,
/// so a paged run gives the same bits as an unpaged one.
public final class PagedStateStore: OptimizerStateStore {
    public let directory: URL
    public let budgetBytes: Int
    public let minimumPagedElements: Int
    private let small = InMemoryStateStore()
    private var paged: [String: PagedFile] = [:]
    private var recency: [String] = []
    public private(set) var names: [String] = []
    /// Bytes of paged state currently counted as resident.
    public private(set) var residentBytes = 0
    /// How many times a tensor was evicted to disk (for progress output and tests).
    public private(set) var evictions = 0

    public enum PagingError: Error, CustomStringConvertible {
        case cannotCreate(String, Int32)
        public var description: String {
            switch self {
            case let .cannotCreate(path, code): return "paged optimizer state: cannot create \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    public init(directory: URL, budgetBytes: Int, minimumPagedElements: Int = 100_000) throws {
        self.directory = directory
        self.budgetBytes = budgetBytes
        self.minimumPagedElements = minimumPagedElements
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        for f in paged.values { f.close() }
    }

    public func withMoments(name: String, count: Int, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) {
        if count < minimumPagedElements {
            if !names.contains(name) && small.moments(name: name) == nil { names.append(name) }
            small.withMoments(name: name, count: count, body)
            return
        }
        let file: PagedFile
        if let f = paged[name] {
            precondition(f.count == count, "optimizer state \(name): \(f.count) elements, parameter has \(count)")
            file = f
        } else {
            let path = directory.appendingPathComponent("state-\(paged.count).bin").path
            do { file = try PagedFile(path: path, count: count) } catch {
                preconditionFailure("\(error)")
            }
            paged[name] = file
            names.append(name)
        }
        if let i = recency.firstIndex(of: name) { recency.remove(at: i) } else { residentBytes += file.byteCount }
        recency.append(name)
        body(file.m, file.v)
        evictOverBudget(keeping: name)
    }

    /// Evicts the most recently used tensors before `current` (the last in `recency`). An optimizer
    /// visits its tensors in the same order every step; for such a loop, least-recently-used eviction
    /// drops each tensor just before its next use and pages everything every step, while evicting
    /// the most recent keeps the first tensors of the loop resident from step to step.
    private func evictOverBudget(keeping current: String) {
        while residentBytes > budgetBytes, recency.count > 1 {
            let victim = recency.remove(at: recency.count - 2)
            paged[victim]!.pageOut()
            residentBytes -= paged[victim]!.byteCount
            evictions += 1
        }
    }

    public func moments(name: String) -> (m: [Float], v: [Float])? {
        if let f = paged[name] { return (Array(f.m), Array(f.v)) }
        return small.moments(name: name)
    }

    public func setMoments(name: String, m: [Float], v: [Float]) {
        withMoments(name: name, count: m.count) { pm, pv in
            _ = pm.update(fromContentsOf: m)
            _ = pv.update(fromContentsOf: v)
        }
    }

    /// Whether the pages of `name` are in memory now, as the kernel reports (`mincore`);
    /// `nil` for tensors that are not paged.
    public func isResident(name: String) -> Bool? { paged[name]?.isResident() }
}

/// One state tensor's two moments in a shared file mapping.
final class PagedFile {
    let count: Int
    let byteCount: Int
    private let fd: Int32
    private let base: UnsafeMutableRawPointer
    let m: UnsafeMutableBufferPointer<Float>
    let v: UnsafeMutableBufferPointer<Float>

    init(path: String, count: Int) throws {
        self.count = count
        byteCount = 2 * count * MemoryLayout<Float>.stride
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw PagedStateStore.PagingError.cannotCreate(path, errno) }
        // The file only backs memory: unlink it now so nothing is left behind if the process dies.
        unlink(path)
        guard ftruncate(fd, off_t(byteCount)) == 0,
              let p = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            let code = errno
            Glibc.close(fd)
            throw PagedStateStore.PagingError.cannotCreate(path, code)
        }
        base = p
        let floats = p.assumingMemoryBound(to: Float.self)
        m = UnsafeMutableBufferPointer(start: floats, count: count)
        v = UnsafeMutableBufferPointer(start: floats + count, count: count)
    }

    func pageOut() {
        msync(base, byteCount, MS_SYNC)
        madvise(base, byteCount, MADV_DONTNEED)
        posix_fadvise(fd, 0, off_t(byteCount), POSIX_FADV_DONTNEED)
    }

    func isResident() -> Bool {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (byteCount + pageSize - 1) / pageSize
        var vec = [UInt8](repeating: 0, count: pages)
        guard mincore(base, byteCount, &vec) == 0 else { return true }
        return vec.contains { $0 & 1 != 0 }
    }

    func close() {
        munmap(base, byteCount)
        Glibc.close(fd)
    }
}
