/// One labelled, explained statement: the structured form of a training example.
public struct ExplanationRecord: Codable, Equatable, Sendable {
    public var statement: String
    public var label: HateLabel
    public var explanation: String
    public var groups: [String]
    public var harmfulWords: [String]
    public var reason: String
    /// The data source the statement comes from ("microblogs", "forums", ...); one adapter is trained per source.
    public var source: String
    /// A stable identifier from the source dataset, used for the train/validation/test split.
    public var id: String

    public init(statement: String, label: HateLabel, explanation: String, groups: [String] = [],
                harmfulWords: [String] = [], reason: String = "", source: String, id: String) {
        self.statement = statement
        self.label = label
        self.explanation = explanation
        self.groups = groups
        self.harmfulWords = harmfulWords
        self.reason = reason
        self.source = source
        self.id = id
    }

    enum CodingKeys: String, CodingKey {
        case statement, label, explanation, groups, reason, source, id
        case harmfulWords = "harmful_words"
    }
}
