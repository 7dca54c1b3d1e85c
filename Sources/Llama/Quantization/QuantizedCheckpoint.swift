import Foundation
import Tensor

/// Reads and writes 4-bit weights in the state-dict layout of bitsandbytes' `Params4bit`
/// (`QuantState.as_dict(packed=True)`), which Hugging Face "bnb-4bit" checkpoints use: for a weight
/// `W`, the packed codes `W` (U8), `W.absmax`, `W.quant_map`, `W.nested_absmax`,
/// `W.nested_quant_map` and the JSON quant state `W.quant_state.bitsandbytes__nf4` (or `__fp4`).
public enum QuantizedCheckpoint {
    static let stateMarker = ".quant_state.bitsandbytes__"
    static let componentSuffixes = [".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map"]

    /// The weights among `names` that carry a quant state, with the quant-type suffix of the state
    /// key (`nf4`, `fp4`, or whatever unknown type a file names).
    public static func quantizedWeights(in names: some Sequence<String>) -> [String: String] {
        var out: [String: String] = [:]
        for name in names {
            guard let r = name.range(of: stateMarker, options: .backwards) else { continue }
            out[String(name[..<r.lowerBound])] = String(name[r.upperBound...])
        }
        return out
    }

    /// Every key that belongs to the quantized weight `weight` (the packed codes included).
    public static func stateKeys(weight: String, typeSuffix: String) -> [String] {
        [weight, weight + stateMarker + typeSuffix] + componentSuffixes.map { weight + $0 }
    }

    /// Reads the quantized weight `weight` whose pieces live in `files` (tensor name -> file),
    /// checking every piece against the quant state; throws a `QuantStateError` naming the weight.
    public static func read(weight: String, typeSuffix: String, files: [String: SafeTensorsFile]) throws -> QuantizedTensor {
        guard QuantType(rawValue: typeSuffix) != nil else {
            throw QuantStateError(tensor: weight, "unknown quant type '\(typeSuffix)' in key \(weight + stateMarker + typeSuffix) (expected nf4 or fp4)")
        }
        func entry(_ key: String, _ dtype: DType?) throws -> (SafeTensorsFile, SafeTensorsFile.Entry)? {
            guard let file = files[key], let e = file.entries[key] else { return nil }
            if let dtype, e.dtype != dtype {
                throw QuantStateError(tensor: weight, "\(key) is \(e.dtype.rawValue), bitsandbytes stores it as \(dtype.rawValue)")
            }
            return (file, e)
        }
        func required(_ key: String, _ dtype: DType?) throws -> (SafeTensorsFile, SafeTensorsFile.Entry) {
            guard let found = try entry(key, dtype) else { throw QuantStateError(tensor: weight, "\(key) is missing") }
            return found
        }
        func bytes(_ found: (SafeTensorsFile, SafeTensorsFile.Entry)) throws -> [UInt8] { Array(try found.0.rawBytes(found.1.name)) }
        func floats(_ found: (SafeTensorsFile, SafeTensorsFile.Entry)) throws -> [Float] {
            let raw = try found.0.rawBytes(found.1.name)
            return (0..<(raw.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
        }
        let header = try QuantStateHeader(jsonBytes: bytes(required(weight + stateMarker + typeSuffix, .uint8)), tensor: weight)
        guard header.quantType.rawValue == typeSuffix else {
            throw QuantStateError(tensor: weight, "quant state says quant_type '\(header.quantType.rawValue)' but its key says '\(typeSuffix)'")
        }
        // The packed codes may be stored in any dtype (bnb_4bit_quant_storage); their bytes are what count.
        let packed = try bytes(required(weight, nil))
        let nestedAbsmax = try entry(weight + ".nested_absmax", .float32).map(floats)
        let nestedQuantMap = try entry(weight + ".nested_quant_map", .float32).map(floats)
        if header.nested == nil, nestedAbsmax != nil || nestedQuantMap != nil {
            throw QuantStateError(tensor: weight, "nested_absmax or nested_quant_map present, but the quant state has no nested_offset")
        }
        let absmax = try bytes(required(weight + ".absmax", header.nested == nil ? .float32 : .uint8))
        return try QuantizedTensor(tensor: weight, header: header, packed: packed, absmax: absmax,
                                   quantMap: floats(required(weight + ".quant_map", .float32)),
                                   nestedAbsmax: nestedAbsmax, nestedQuantMap: nestedQuantMap)
    }

    /// Every quantized weight of `files` (tensor name -> file), and the keys they use up.
    public static func readAll(files: [String: SafeTensorsFile]) throws -> (weights: [String: QuantizedTensor], keys: Set<String>) {
        var weights: [String: QuantizedTensor] = [:]
        var keys = Set<String>()
        for (weight, suffix) in quantizedWeights(in: files.keys).sorted(by: { $0.key < $1.key }) {
            weights[weight] = try read(weight: weight, typeSuffix: suffix, files: files)
            keys.formUnion(stateKeys(weight: weight, typeSuffix: suffix).filter { files[$0] != nil })
        }
        return (weights, keys)
    }

    /// The safetensors items of quantized weight `name`; `dtype` is the torch dtype it had.
    public static func items(_ q: QuantizedTensor, name: String, dtype: String = "float32") -> [SafeTensorsWriter.Item] {
        q.stateDictEntries(name: name, dtype: dtype).map {
            SafeTensorsWriter.Item(name: $0.key, dtype: DType(rawValue: $0.dtype)!, shape: $0.shape, bytes: Data($0.data))
        }
    }

    /// The model's state dict under Hugging Face names: fp32 tensors, and the bitsandbytes entries
    /// of every quantized linear layer. Throws naming a layer that has no weight to save.
    public static func stateDict(of model: LlamaModel) throws -> [SafeTensorsWriter.Item] {
        var out = model.tensors.map { SafeTensorsWriter.Item(name: $0.key, tensor: $0.value.contiguous()) }
        for (path, layer) in model.linears {
            switch layer {
            case let q as QuantizedLinear: out += items(q.weight, name: path + ".weight")
            case let d as DenseLinear: out.append(SafeTensorsWriter.Item(name: path + ".weight", tensor: d.weight.contiguous()))
            default: throw QuantStateError(tensor: path + ".weight", "layer of type \(type(of: layer)) has no weight to save")
            }
        }
        return out
    }

    /// The bitsandbytes settings shared by the model's quantized layers; nil when none is quantized.
    /// Throws naming a layer quantized differently from the others (one `config.json` cannot say so).
    public static func bitsAndBytesConfig(of model: LlamaModel) throws -> BitsAndBytesConfig? {
        var config: BitsAndBytesConfig?
        for (path, layer) in model.linears.sorted(by: { $0.key < $1.key }) {
            guard let q = (layer as? QuantizedLinear)?.weight else { continue }
            let isDouble = if case .double = q.scales { true } else { false }
            let this = BitsAndBytesConfig(quantType: q.quantType, doubleQuant: isDouble)
            if let config, config != this {
                throw QuantStateError(tensor: path + ".weight", "quantized as \(q.quantType.rawValue) (double quant \(isDouble)), "
                                      + "unlike the other layers (\(config.quantType.rawValue), double quant \(config.doubleQuant))")
            }
            config = this
        }
        return config
    }

    /// Writes the model as a Hugging Face directory (`config.json` with its `quantization_config`,
    /// `model.safetensors`), each file atomically; transformers loads it as a bnb-4bit model. Returns what was written.
    @discardableResult
    public static func save(_ model: LlamaModel, directory: URL) throws -> QuantizationSummary {
        var config = model.config.json()
        if let bnb = try bitsAndBytesConfig(of: model) { config["quantization_config"] = bnb.json() }
        let items = try stateDict(of: model)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError(file: directory.path, field: "directory", message: "cannot create: \(error.localizedDescription)")
        }
        try SafeTensorsWriter.write(items, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        try writeAtomically(PythonJSON.encode(config), to: directory.appendingPathComponent("config.json"))
        return summary(of: model, items: items)
    }

    /// Writes the model's state dict (Hugging Face names) to one safetensors file, atomically.
    @discardableResult
    public static func save(_ model: LlamaModel, file: URL) throws -> QuantizationSummary {
        let items = try stateDict(of: model)
        try SafeTensorsWriter.write(items, metadata: ["format": "pt"], to: file)
        return summary(of: model, items: items)
    }

    static func summary(of model: LlamaModel, items: [SafeTensorsWriter.Item]) -> QuantizationSummary {
        let quantized = model.linears.values.compactMap { ($0 as? QuantizedLinear)?.weight }
        return QuantizationSummary(
            tensorsQuantized: quantized.count, bytesBefore: 4 * model.parameterCount,
            bytesAfter: items.reduce(0) { $0 + $1.bytes.count }, quantizedParameters: quantized.reduce(0) { $0 + $1.count },
            quantizedBytes: quantized.reduce(0) { $0 + $1.packed.count + $1.scales.byteCount })
    }
}

/// What a quantization wrote.
public struct QuantizationSummary: Equatable, Sendable {
    /// Tensors stored 4-bit.
    public var tensorsQuantized: Int
    /// Bytes of all tensors before (fp32 for a model, as stored for a safetensors file).
    public var bytesBefore: Int
    /// Bytes of all tensors written.
    public var bytesAfter: Int
    /// Elements of the quantized tensors.
    public var quantizedParameters: Int
    /// Bytes of the quantized tensors: packed codes and scales (shared code tables excluded).
    public var quantizedBytes: Int

    /// Storage of the quantized tensors in bits per parameter.
    public var bitsPerParameter: Double {
        quantizedParameters == 0 ? 0 : Double(quantizedBytes * 8) / Double(quantizedParameters)
    }
}
