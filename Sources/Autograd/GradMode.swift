/// Whether ops record a graph for differentiation. Task-local, so a `noGrad` scope affects only
/// the code it wraps (and tasks it starts), never other threads.
public enum GradMode {
    @TaskLocal static var enabled = true

    /// True outside every `noGrad` scope.
    public static var isEnabled: Bool { enabled }
}

/// Runs `body` without recording a graph: results are constants, as under `torch.no_grad()`.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$enabled.withValue(false, operation: body)
}
