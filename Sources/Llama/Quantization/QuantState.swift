import Foundation
import Tensor

/// The non-tensor part of a bitsandbytes 4-bit quant state: the JSON stored as uint8 bytes under
/// `<W>.quant_state.bitsandbytes__nf4` (or `__fp4`) by `QuantState.as_dict(packed=True)`.
public struct QuantStateHeader: Equatable, Sendable {
    /// `quant_type`.
    public var quantType: QuantType
    /// `blocksize` of the first level.
    public var blocksize: Int
    /// `dtype` of the original tensor, as torch names it (`float32`, `bfloat16`, ...).
    public var dtype: String
    /// `shape` of the original tensor.
    public var shape: [Int]
    /// Present exactly when the absmax values are double-quantized.
    public var nested: Nested?

    /// `nested_blocksize`, `nested_dtype` and `nested_offset` (the mean subtracted from the absmax values).
    public struct Nested: Equatable, Sendable {
        /// `nested_blocksize` (256 in bitsandbytes).
        public var blocksize: Int
        /// `nested_dtype`.
        public var dtype: String
        /// `nested_offset`.
        public var offset: Float
    }

    /// The state-dict key suffix holding this JSON.
    public var keySuffix: String { "quant_state.bitsandbytes__" + quantType.rawValue }

    /// A header from its fields.
    public init(quantType: QuantType, blocksize: Int, dtype: String, shape: [Int], nested: Nested?) {
        self.quantType = quantType
        self.blocksize = blocksize
        self.dtype = dtype
        self.shape = shape
        self.nested = nested
    }

    /// The header describing `q`, whose original dtype was `dtype`.
    public init(_ q: QuantizedTensor, dtype: String = "float32") {
        var nested: Nested?
        if case .double(_, _, let offset, let nb, _) = q.scales { nested = Nested(blocksize: nb, dtype: "float32", offset: offset) }
        self.init(quantType: q.quantType, blocksize: q.blocksize, dtype: dtype, shape: q.shape, nested: nested)
    }

    /// The UTF-8 bytes Python's `json.dumps` writes for this state, key order and spacing included.
    public func jsonBytes() -> [UInt8] {
        var s = "{\"quant_type\": \"\(quantType.rawValue)\", \"blocksize\": \(blocksize), \"dtype\": \"\(dtype)\", "
        s += "\"shape\": [\(shape.map(String.init).joined(separator: ", "))]"
        if let nested {
            s += ", \"nested_blocksize\": \(nested.blocksize), \"nested_dtype\": \"\(nested.dtype)\", "
            s += "\"nested_offset\": \(Double(nested.offset))"
        }
        s += "}"
        return Array(s.utf8)
    }

    /// Parses the JSON bytes of tensor `tensor`'s quant state; throws naming the tensor and field.
    public init(jsonBytes: [UInt8], tensor: String) throws {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(jsonBytes)), let dict = obj as? [String: Any] else {
            throw QuantStateError(tensor: tensor, "quant state is not a JSON object")
        }
        func int(_ key: String) throws -> Int {
            guard let n = dict[key] as? NSNumber, let v = Int(exactly: n.doubleValue) else {
                throw QuantStateError(tensor: tensor, "field '\(key)' is missing or not an integer")
            }
            return v
        }
        func string(_ key: String) throws -> String {
            guard let v = dict[key] as? String else { throw QuantStateError(tensor: tensor, "field '\(key)' is missing or not a string") }
            return v
        }
        let typeName = try string("quant_type")
        guard let qt = QuantType(rawValue: typeName) else {
            throw QuantStateError(tensor: tensor, "unknown quant_type '\(typeName)' (expected nf4 or fp4)")
        }
        let bs = try int("blocksize")
        guard quantBlocksizes.contains(bs) else {
            throw QuantStateError(tensor: tensor, "blocksize \(bs) is not a power of two in 32...4096")
        }
        guard let rawShape = dict["shape"] as? [NSNumber],
              let shape = Optional(rawShape.compactMap { Int(exactly: $0.doubleValue) }), shape.count == rawShape.count,
              !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw QuantStateError(tensor: tensor, "field 'shape' is missing or not a list of positive integers")
        }
        var nested: Nested?
        if dict["nested_blocksize"] != nil || dict["nested_offset"] != nil || dict["nested_dtype"] != nil {
            let nb = try int("nested_blocksize")
            guard nb > 0, nb & (nb - 1) == 0 else {
                throw QuantStateError(tensor: tensor, "nested_blocksize \(nb) is not a power of two")
            }
            guard let off = dict["nested_offset"] as? NSNumber, off.doubleValue.isFinite else {
                throw QuantStateError(tensor: tensor, "field 'nested_offset' is missing or not a finite number")
            }
            nested = Nested(blocksize: nb, dtype: try string("nested_dtype"), offset: Float(off.doubleValue))
        }
        self.init(quantType: qt, blocksize: bs, dtype: try string("dtype"), shape: shape, nested: nested)
    }
}

extension QuantizedTensor {
    /// Assembles a tensor from the pieces of a bitsandbytes state dict (`W`, `W.absmax`, `W.quant_map`,
    /// `W.nested_absmax`, `W.nested_quant_map` and the parsed JSON header), checking that they agree.
    ///
    /// `absmax` holds fp32 little-endian bytes for a plain state and uint8 codes for a nested one.
    public init(tensor: String, header: QuantStateHeader, packed: [UInt8], absmax: [UInt8], quantMap: [Float],
                nestedAbsmax: [Float]?, nestedQuantMap: [Float]?) throws {
        let n = header.shape.reduce(1, *)
        guard packed.count == (n + 1) / 2 else {
            throw QuantStateError(tensor: tensor, "\(packed.count) packed bytes, but shape \(header.shape) needs \((n + 1) / 2)")
        }
        let blocks = (n + header.blocksize - 1) / header.blocksize
        guard quantMap.count == 16 else {
            throw QuantStateError(tensor: tensor, "quant_map has \(quantMap.count) entries, expected 16")
        }
        let book = header.quantType.codebook
        guard zip(quantMap, book).allSatisfy({ abs($0 - $1) <= 1e-6 }) else {
            throw QuantStateError(tensor: tensor, "quant_map is not the bitsandbytes \(header.quantType.rawValue) code book")
        }
        let scales: BlockScales
        if let nested = header.nested {
            guard absmax.count == blocks else {
                throw QuantStateError(tensor: tensor, "absmax has \(absmax.count) codes, but \(n) values in blocks of \(header.blocksize) need \(blocks)")
            }
            guard let nestedAbsmax, let nestedQuantMap else {
                throw QuantStateError(tensor: tensor, "nested quant state without nested_absmax or nested_quant_map")
            }
            let nestedBlocks = (blocks + nested.blocksize - 1) / nested.blocksize
            guard nestedAbsmax.count == nestedBlocks else {
                throw QuantStateError(tensor: tensor, "nested_absmax has \(nestedAbsmax.count) values, expected \(nestedBlocks)")
            }
            guard nestedQuantMap.count == 256 else {
                throw QuantStateError(tensor: tensor, "nested_quant_map has \(nestedQuantMap.count) entries, expected 256")
            }
            scales = .double(codes: absmax, nestedAbsmax: nestedAbsmax, offset: nested.offset,
                             nestedBlocksize: nested.blocksize, nestedQuantMap: nestedQuantMap)
        } else {
            guard absmax.count == blocks * 4 else {
                throw QuantStateError(tensor: tensor, "absmax has \(absmax.count / 4) float32 values, but \(n) values in blocks of \(header.blocksize) need \(blocks)")
            }
            scales = .plain(absmax.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
        self.init(shape: header.shape, quantType: header.quantType, blocksize: header.blocksize, packed: packed, scales: scales)
    }

    /// Quantizes tensor `name`, throwing instead of producing garbage for empty or non-finite input.
    public init(quantizing t: Tensor, name: String, quantType: QuantType, blocksize: Int = 64, doubleQuant: Bool = true) throws {
        guard t.count > 0 else { throw QuantStateError(tensor: name, "cannot quantize an empty tensor of shape \(t.shape)") }
        guard quantBlocksizes.contains(blocksize) else {
            throw QuantStateError(tensor: name, "blocksize \(blocksize) is not a power of two in 32...4096")
        }
        let c = t.contiguous()
        if let bad = c.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
            throw QuantStateError(tensor: name, "cannot quantize: element \(bad) is not finite")
        }
        self.init(quantizing: c, quantType: quantType, blocksize: blocksize, doubleQuant: doubleQuant)
    }

    /// The bitsandbytes state-dict entries for weight `name`: key, safetensors dtype, shape, raw bytes.
    public func stateDictEntries(name: String, dtype: String = "float32") -> [(key: String, dtype: String, shape: [Int], data: [UInt8])] {
        func bytes(_ f: [Float]) -> [UInt8] { f.withUnsafeBytes { Array($0) } }
        var out: [(key: String, dtype: String, shape: [Int], data: [UInt8])] = [(name, "U8", [packed.count, 1], packed)]
        switch scales {
        case .plain(let a):
            out.append((name + ".absmax", "F32", [a.count], bytes(a)))
        case .double(let codes, let nested, _, _, let map):
            out.append((name + ".absmax", "U8", [codes.count], codes))
            out.append((name + ".nested_absmax", "F32", [nested.count], bytes(nested)))
            out.append((name + ".nested_quant_map", "F32", [map.count], bytes(map)))
        }
        out.append((name + ".quant_map", "F32", [16], bytes(quantType.codebook)))
        let header = QuantStateHeader(self, dtype: dtype)
        let json = header.jsonBytes()
        out.append((name + "." + header.keySuffix, "U8", [json.count], json))
        return out.sorted { $0.key < $1.key }
    }
}
