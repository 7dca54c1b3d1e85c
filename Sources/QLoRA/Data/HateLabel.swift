/// The three classes of the ExplainingHate task, spelled as the model writes them after
/// `Classification:`.
public enum HateLabel: String, CaseIterable, Codable, Sendable {
    case neutral, offensive, hate

    /// Whether the label asks for the harm sections (2) to (4) of the answer.
    public var isHarmful: Bool { self != .neutral }
}
