import Foundation
import QLoRA

/// The request and response bodies of the three APIs `qlora serve` speaks, and how the moderation
/// shapes are read off the detector's label distribution P(neutral), P(offensive), P(hate):
///
/// | API                          | field                      | value                                  |
/// |------------------------------|----------------------------|----------------------------------------|
/// | OpenAI `moderations`         | `category_scores.hate`     | P(hate)                                |
/// |                              | `category_scores.harassment` | P(offensive)                         |
/// |                              | `categories.X`             | the most probable label is X's         |
/// |                              | `flagged`                  | the most probable label is not neutral |
/// | Perspective `comments:analyze` | `TOXICITY`               | P(offensive) + P(hate)                 |
/// |                              | `IDENTITY_ATTACK`          | P(hate)                                |
/// |                              | `INSULT`                   | P(offensive)                           |
///
/// `Sources/Serving/openapi.yaml` documents the same.
public enum ModerationAPI {
    /// `POST /v1/classify`.
    public struct ClassifyRequest: Decodable {
        public var statements: [String]
        public var blend: String?
        public var explain: Bool?
    }

    public struct ClassifyResponse: Codable, Equatable {
        public var model: String
        public var blend: String
        public var results: [VerdictRecord]
    }

    /// `POST /v1/moderations`: `input` is one string or an array of strings.
    public struct OpenAIRequest: Decodable {
        public var input: [String]
        public var model: String?

        enum CodingKeys: String, CodingKey { case input, model }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let one = try? c.decode(String.self, forKey: .input) {
                input = [one]
            } else {
                input = try c.decode([String].self, forKey: .input)
            }
            model = try c.decodeIfPresent(String.self, forKey: .model)
        }
    }

    public struct OpenAIResponse: Codable, Equatable {
        public struct Result: Codable, Equatable {
            public var flagged: Bool
            public var categories: [String: Bool]
            public var categoryScores: [String: Double]

            enum CodingKeys: String, CodingKey {
                case flagged, categories
                case categoryScores = "category_scores"
            }
        }

        public var id: String
        public var model: String
        public var results: [Result]
    }

    /// `POST /v1alpha1/comments:analyze`.
    public struct PerspectiveRequest: Decodable {
        public struct Comment: Decodable { public var text: String }
        public var comment: Comment
        /// Attribute name → options (none are read).
        public var requestedAttributes: [String: EmptyObject]
        public var languages: [String]?
    }

    /// Any JSON object; its fields are ignored.
    public struct EmptyObject: Decodable {}

    public struct PerspectiveResponse: Codable, Equatable {
        public struct Score: Codable, Equatable {
            public var value: Double
            public var type: String
        }
        public struct Attribute: Codable, Equatable { public var summaryScore: Score }
        public var attributeScores: [String: Attribute]
        public var languages: [String]
    }

    /// The Perspective attributes served, in the order the docs list them.
    public static let perspectiveAttributes = ["TOXICITY", "IDENTITY_ATTACK", "INSULT"]

    /// The OpenAI categories served.
    public static let openAICategories = ["hate", "harassment"]

    static func probabilities(_ r: VerdictRecord) -> (neutral: Double, offensive: Double, hate: Double) {
        let p = r.labelProbabilities ?? [:]
        return (p["neutral"] ?? 0, p["offensive"] ?? 0, p["hate"] ?? 0)
    }

    public static func openAIResult(_ r: VerdictRecord) -> OpenAIResponse.Result {
        let p = probabilities(r)
        return .init(flagged: r.label != nil && r.label != HateLabel.neutral.rawValue,
                     categories: ["hate": r.label == HateLabel.hate.rawValue, "harassment": r.label == HateLabel.offensive.rawValue],
                     categoryScores: ["hate": p.hate, "harassment": p.offensive])
    }

    /// `attribute`'s probability, for one of `perspectiveAttributes`.
    public static func perspectiveScore(_ attribute: String, _ r: VerdictRecord) -> Double? {
        let p = probabilities(r)
        switch attribute {
        case "TOXICITY": return p.offensive + p.hate
        case "IDENTITY_ATTACK": return p.hate
        case "INSULT": return p.offensive
        default: return nil
        }
    }
}
