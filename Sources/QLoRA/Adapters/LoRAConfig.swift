import Foundation

/// The LoRA hyper-parameters, read from and written to PEFT's `adapter_config.json`.
public struct LoRAConfig: Equatable, Sendable {
    /// The paper's targets: all seven projections of a Llama decoder layer.
    public static let allProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public var r: Int
    public var alpha: Double
    public var dropout: Double
    public var targetModules: [String]
    /// rsLoRA scales by alpha / sqrt(r) instead of alpha / r.
    public var useRSLoRA: Bool
    public var baseModel: String
    /// `BaseFingerprint` of the base the adapter was trained on (our own key in
    /// `adapter_config.json`; PEFT drops keys it does not know); nil for adapters from elsewhere.
    public var baseFingerprint: String?

    /// The paper's defaults: r 64, alpha 16, dropout 0.1, all seven projections.
    public init(r: Int = 64, alpha: Double = 16, dropout: Double = 0.1, targetModules: [String] = allProjections,
                useRSLoRA: Bool = false, baseModel: String = "", baseFingerprint: String? = nil) {
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.useRSLoRA = useRSLoRA
        self.baseModel = baseModel
        self.baseFingerprint = baseFingerprint
    }

    /// The factor PEFT multiplies B A x by.
    public var scaling: Double { useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r) }

    /// The JSON PEFT writes and reads (`LoraConfig`), with PEFT's key names.
    public func json() -> [String: Any] {
        var json: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "lora_dropout": dropout,
            "target_modules": targetModules, "use_rslora": useRSLoRA, "bias": "none", "fan_in_fan_out": false,
            "inference_mode": true, "init_lora_weights": true, "base_model_name_or_path": baseModel,
            "modules_to_save": NSNull(), "layers_to_transform": NSNull(), "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](), "use_dora": false,
        ]
        if let baseFingerprint { json[Self.fingerprintKey] = baseFingerprint }
        return json
    }

    static let fingerprintKey = "explaininghate_base_fingerprint"

    /// Reads PEFT's JSON, refusing what this implementation does not do (DoRA, rank patterns,
    /// bias training) rather than silently ignoring it.
    public init(json: [String: Any], file: String) throws {
        func fail(_ field: String, _ message: String) -> AdapterError { AdapterError(file: file, field: field, message: message) }
        guard (json["peft_type"] as? String ?? "LORA") == "LORA" else { throw fail("peft_type", "only LORA adapters are supported, got \(json["peft_type"]!)") }
        guard let r = json["r"] as? Int, r > 0 else { throw fail("r", "must be a positive integer") }
        guard let alpha = (json["lora_alpha"] as? NSNumber)?.doubleValue else { throw fail("lora_alpha", "must be a number") }
        let targets: [String]
        if let list = json["target_modules"] as? [String] { targets = list } else if let single = json["target_modules"] as? String { targets = [single] } else {
            throw fail("target_modules", "must be a list of module names")
        }
        if json["use_dora"] as? Bool == true { throw fail("use_dora", "DoRA adapters are not supported") }
        if let pattern = json["rank_pattern"] as? [String: Any], !pattern.isEmpty { throw fail("rank_pattern", "per-module ranks are not supported") }
        if let pattern = json["alpha_pattern"] as? [String: Any], !pattern.isEmpty { throw fail("alpha_pattern", "per-module alphas are not supported") }
        if let bias = json["bias"] as? String, bias != "none" { throw fail("bias", "only bias \"none\" is supported, got \(bias)") }
        self.init(r: r, alpha: alpha, dropout: (json["lora_dropout"] as? NSNumber)?.doubleValue ?? 0, targetModules: targets,
                  useRSLoRA: json["use_rslora"] as? Bool ?? false, baseModel: json["base_model_name_or_path"] as? String ?? "",
                  baseFingerprint: json[Self.fingerprintKey] as? String)
    }
}

/// A problem with an adapter: its file, the field or tensor, and what is wrong.
public struct AdapterError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let field: String
    public let message: String
    public init(file: String, field: String, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }
    public var description: String { "\(file): \(field): \(message)" }
}
