extension RandomGenerator {
    /// The generator's full state, so a checkpoint can resume the exact random stream.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator continuing from a saved `state`.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "RandomGenerator(state:): needs 4 words, got \(state.count)")
        self.init(seed: 0)
        s = (state[0], state[1], state[2], state[3])
    }
}
