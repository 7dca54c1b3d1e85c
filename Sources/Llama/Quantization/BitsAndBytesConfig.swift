import Foundation

/// The `quantization_config` object transformers writes into `config.json` for a bitsandbytes
/// 4-bit ("bnb-4bit") checkpoint.
public struct BitsAndBytesConfig: Equatable, Sendable {
    /// `bnb_4bit_quant_type`.
    public var quantType: QuantType
    /// `bnb_4bit_use_double_quant`.
    public var doubleQuant: Bool
    /// `bnb_4bit_compute_dtype`: the dtype the dequantized weights are multiplied in.
    public var computeDtype: String

    /// A config from its fields.
    public init(quantType: QuantType, doubleQuant: Bool, computeDtype: String = "float32") {
        self.quantType = quantType
        self.doubleQuant = doubleQuant
        self.computeDtype = computeDtype
    }

    /// Reads the `quantization_config` object of `file`; throws unless it describes 4-bit bitsandbytes.
    public init(json: [String: Any], file: String) throws {
        func fail(_ field: String, _ message: String) -> FormatError {
            FormatError(file: file, field: "quantization_config." + field, message: message)
        }
        let method = json["quant_method"] as? String
        guard method == "bitsandbytes" else {
            throw fail("quant_method", "\(method.map { "'\($0)'" } ?? "missing"): only bitsandbytes 4-bit checkpoints load")
        }
        guard (json["load_in_4bit"] as? Bool) == true || (json["_load_in_4bit"] as? Bool) == true else {
            throw fail("load_in_4bit", "not true: only bitsandbytes 4-bit checkpoints load (8-bit does not)")
        }
        let typeName = json["bnb_4bit_quant_type"] as? String ?? "fp4"
        guard let type = QuantType(rawValue: typeName) else {
            throw fail("bnb_4bit_quant_type", "unknown quant type '\(typeName)' (expected nf4 or fp4)")
        }
        self.init(quantType: type, doubleQuant: json["bnb_4bit_use_double_quant"] as? Bool ?? false,
                  computeDtype: json["bnb_4bit_compute_dtype"] as? String ?? "float32")
    }

    /// The object transformers 5 writes, key for key.
    public func json() -> [String: Any] {
        ["_load_in_4bit": true, "_load_in_8bit": false, "bnb_4bit_compute_dtype": computeDtype,
         "bnb_4bit_quant_storage": "uint8", "bnb_4bit_quant_type": quantType.rawValue,
         "bnb_4bit_use_double_quant": doubleQuant, "llm_int8_enable_fp32_cpu_offload": false,
         "llm_int8_has_fp16_weight": false, "llm_int8_skip_modules": NSNull(), "llm_int8_threshold": 6.0,
         "load_in_4bit": true, "load_in_8bit": false, "quant_method": "bitsandbytes"]
    }
}
