import Llama

/// The token ids of the chat answer's fixed parts, read from the tokenizer once per classifier.
struct ChatAnswerTokens {
    /// Each label word as it follows "Classification:" (" neutral", " offensive", " hate").
    let labelWords: [HateLabel: [Int]]
    let newline: Int
    let comma: Int
    let space: Int
    let groupsHeader: [Int]
    let wordsHeader: [Int]
    let reasonHeader: [Int]
    let endOfTurn: Int

    init(tokenizer: Tokenizer) throws {
        func one(_ s: String) throws -> Int {
            let ids = tokenizer.encode(s, addBOS: false)
            guard ids.count == 1 else {
                throw InferenceError(message: "the chat style needs \(s.debugDescription) to be one token, this tokenizer makes it \(ids.count)")
            }
            return ids[0]
        }
        labelWords = Dictionary(uniqueKeysWithValues: HateLabel.allCases.map { ($0, tokenizer.encode(" " + $0.rawValue, addBOS: false)) })
        guard Set(labelWords.values.compactMap(\.first)).count == HateLabel.allCases.count else {
            throw InferenceError(message: "the label words' first tokens must differ to read label probabilities, got \(labelWords)")
        }
        newline = try one("\n")
        comma = try one(",")
        space = try one(" ")
        endOfTurn = try one(ChatTemplate.endOfTurn)
        groupsHeader = tokenizer.encode("Affected Groups:", addBOS: false)
        wordsHeader = tokenizer.encode("Harmful Words:", addBOS: false)
        reasonHeader = tokenizer.encode("Reason:", addBOS: false)
    }

    var labelFirstTokens: [HateLabel: Int] { labelWords.mapValues { $0[0] } }
}
