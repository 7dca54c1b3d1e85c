/// Where an optimizer keeps its per-parameter moment buffers (first and second moment, Float32).
public protocol OptimizerStateStore: AnyObject {
    /// Calls `body` with the two moment buffers of `name`, created zeroed on first use.
    func withMoments(name: String, count: Int, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void)
    /// Names of the parameters that have state, in first-use order.
    var names: [String] { get }
    /// Copies of both moments of `name`, for checkpoints.
    func moments(name: String) -> (m: [Float], v: [Float])?
    /// Replaces the moments of `name` (resuming from a checkpoint).
    func setMoments(name: String, m: [Float], v: [Float])
}

/// Moments held in ordinary memory.
public final class InMemoryStateStore: OptimizerStateStore {
    private var buffers: [String: (m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>)] = [:]
    public private(set) var names: [String] = []

    public init() {}

    deinit {
        for (m, v) in buffers.values { m.deallocate(); v.deallocate() }
    }

    private func buffers(name: String, count: Int) -> (m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>) {
        if let b = buffers[name] {
            precondition(b.m.count == count, "optimizer state \(name): \(b.m.count) elements, parameter has \(count)")
            return b
        }
        let m = UnsafeMutableBufferPointer<Float>.allocate(capacity: count), v = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        m.initialize(repeating: 0)
        v.initialize(repeating: 0)
        buffers[name] = (m, v)
        names.append(name)
        return (m, v)
    }

    public func withMoments(name: String, count: Int, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) {
        let b = buffers(name: name, count: count)
        body(b.m, b.v)
    }

    public func moments(name: String) -> (m: [Float], v: [Float])? {
        buffers[name].map { (Array($0.m), Array($0.v)) }
    }

    public func setMoments(name: String, m: [Float], v: [Float]) {
        precondition(m.count == v.count, "optimizer state \(name): moments of \(m.count) and \(v.count) elements")
        let b = buffers(name: name, count: m.count)
        _ = b.m.update(fromContentsOf: m)
        _ = b.v.update(fromContentsOf: v)
    }
}
