import Foundation
import Tensor

/// A metadata value of a GGUF file.
public indirect enum GGUFValue: Sendable, Equatable {
    case int(Int64), uint(UInt64), float(Double), bool(Bool), string(String), array([GGUFValue])

    /// The value as an integer, when it is one that fits.
    public var intValue: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .uint(let v): return Int(exactly: v)
        default: return nil
        }
    }
    /// The value as a floating-point number, when it is numeric.
    public var floatValue: Double? {
        switch self {
        case .float(let v): return v
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        default: return nil
        }
    }
    /// The value when it is a string.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The elements when the value is an array.
    public var arrayValue: [GGUFValue]? { if case .array(let a) = self { return a } else { return nil } }
}

/// A memory-mapped GGUF v2/v3 file: metadata key-values, tensor infos, aligned data. Everything is
/// bounds-checked while parsing, so a bad file throws a `FormatError` naming the key or tensor.
public final class GGUFFile: @unchecked Sendable {
    /// Where one tensor lies and how it is stored.
    public struct TensorInfo: Sendable {
        /// The llama.cpp tensor name (`blk.0.attn_q.weight`).
        public let name: String
        /// Row-major shape (GGUF lists dimensions innermost first; this is reversed).
        public let shape: [Int]
        /// How the elements are encoded.
        public let type: GGUFTensorType
        /// Byte range in the file (absolute).
        public let range: Range<Int>
    }

    /// The file read.
    public let path: String
    /// GGUF format version (2 or 3).
    public let version: UInt32
    /// Every metadata key-value, the tokenizer's (`tokenizer.ggml.*`) included.
    public let metadata: [String: GGUFValue]
    /// The tensors by name.
    public let tensors: [String: TensorInfo]
    let file: MappedFile

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws { try self.init(try MappedFile(path: path)) }

    public init(_ file: MappedFile) throws {
        self.file = file
        path = file.path
        var reader = Reader(bytes: file.bytes, path: file.path)
        guard try reader.bytes(4, field: "magic") == Array("GGUF".utf8) else { throw reader.fail("magic", "not a GGUF file") }
        version = try reader.read(UInt32.self, field: "version")
        guard version == 2 || version == 3 else { throw reader.fail("version", "unsupported GGUF version \(version)") }
        let tensorCount = try reader.count(field: "tensor_count")
        let kvCount = try reader.count(field: "metadata_kv_count")
        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try reader.string(field: "metadata key")
            let type = try reader.read(UInt32.self, field: key)
            metadata[key] = try reader.value(type: type, field: key, depth: 0)
        }
        var infos: [(String, [Int], GGUFTensorType, Int)] = []
        for i in 0..<tensorCount {
            let name = try reader.string(field: "tensor \(i) name")
            let nDims = try reader.read(UInt32.self, field: name)
            guard nDims >= 1 && nDims <= 4 else { throw reader.fail(name, "has \(nDims) dimensions") }
            var dims: [Int] = []
            for _ in 0..<nDims { dims.append(try reader.count(field: name)) }
            let typeID = try reader.read(UInt32.self, field: name)
            guard let type = GGUFTensorType(rawValue: typeID) else {
                throw reader.fail(name, "unknown tensor type id \(typeID)")
            }
            let offset = try reader.count(field: name)
            infos.append((name, dims.reversed(), type, offset))
        }
        let alignment = metadata["general.alignment"]?.intValue ?? 32
        guard alignment > 0 && alignment <= 1 << 20 else { throw reader.fail("general.alignment", "bad alignment \(alignment)") }
        let dataStart = (reader.position + alignment - 1) / alignment * alignment
        var tensors: [String: TensorInfo] = [:]
        for (name, shape, type, offset) in infos {
            var count = 1
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard !o else { throw reader.fail(name, "shape \(shape) overflows") }
                count = p
            }
            guard let rowBytes = type.rowBytes(shape.last!) else {
                throw reader.fail(name, "rows of \(shape.last!) elements are not a whole number of \(type.name) blocks of \(type.blockSize)")
            }
            let byteCount = shape.last! == 0 ? 0 : count / shape.last! * rowBytes
            guard offset % alignment == 0 else { throw reader.fail(name, "offset \(offset) is not aligned to \(alignment)") }
            let (start, o1) = dataStart.addingReportingOverflow(offset)
            let (end, o2) = start.addingReportingOverflow(byteCount)
            guard !o1, !o2, end <= file.bytes.count else {
                throw reader.fail(name, "data at offset \(offset) (\(byteCount) bytes of \(type.name)) runs past the end of the \(file.bytes.count)-byte file")
            }
            guard tensors[name] == nil else { throw reader.fail(name, "appears twice") }
            tensors[name] = TensorInfo(name: name, shape: shape, type: type, range: start..<end)
        }
        let sorted = tensors.values.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound && !a.range.isEmpty && !b.range.isEmpty {
            throw reader.fail(b.name, "data overlaps tensor \(a.name)")
        }
        self.metadata = metadata
        self.tensors = tensors
    }

    /// A tensor as Float32: F32 borrowed from the mapping when aligned, any other type with a decoder
    /// dequantized exactly as ggml does (`GGUFTensorType.dequantize`). Only this tensor's blocks are read
    /// from the mapping, split over threads in runs of whole blocks.
    public func tensor(_ name: String) throws -> Tensor {
        let info = try blockInfo(name)
        let count = Shape.count(info.shape)
        let strides = Shape.contiguousStrides(info.shape)
        guard count > 0, let base = file.bytes.baseAddress.map({ $0 + info.range.lowerBound }) else { return Tensor(zeros: info.shape) }
        if info.type == .f32, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            let storage = Storage(borrowing: UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Float.self)), count: count, owner: file)
            return Tensor(storage: storage, shape: info.shape, strides: strides)
        }
        let storage = Storage(count: count)
        let type = info.type, blocks = count / type.blockSize, out = storage.pointer
        Parallel.forRanges(blocks, minimumPerThread: 1 << 14 / type.blockSize) { range in
            type.dequantize(blocks: range.count, from: base + range.lowerBound * type.bytesPerBlock,
                            into: out + range.lowerBound * type.blockSize)
        }
        return Tensor(storage: storage, shape: info.shape, strides: strides)
    }

    /// The info of a tensor that can be dequantized; throws naming it when it is absent or its type has
    /// no decoder.
    func blockInfo(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else { throw FormatError(file: path, field: name, message: "tensor is missing") }
        guard info.type.canDequantize else {
            throw FormatError(file: path, field: name, message: "tensor type \(info.type.name) has no dequantizer (ggml uses it for activations or integers, not weights)")
        }
        return info
    }

    /// The first byte of a tensor's data in the mapping (its range was checked against the file at parse).
    func data(_ info: TensorInfo) -> UnsafeRawPointer { file.bytes.baseAddress! + info.range.lowerBound }

    /// A bounds-checked little-endian cursor over the mapped bytes.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var position = 0

        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: path, field: field, message: message) }

        mutating func bytes(_ n: Int, field: String) throws -> [UInt8] {
            guard n >= 0, n <= bytes.count - position else {
                throw fail(field, "needs \(n) bytes at offset \(position), past the end of the \(bytes.count)-byte file (truncated?)")
            }
            defer { position += n }
            return Array(bytes[position..<(position + n)])
        }

        mutating func read<T: FixedWidthInteger>(_: T.Type, field: String) throws -> T {
            let size = MemoryLayout<T>.size
            guard size <= bytes.count - position else {
                throw fail(field, "needs \(size) bytes at offset \(position), past the end of the \(bytes.count)-byte file (truncated?)")
            }
            defer { position += size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        }

        /// A uint64 count, rejected when it could not fit in the file.
        mutating func count(field: String) throws -> Int {
            let v = try read(UInt64.self, field: field)
            guard v <= UInt64(Int32.max) * 64 else { throw fail(field, "implausible count or size \(v)") }
            return Int(v)
        }

        mutating func string(field: String) throws -> String {
            let n = try count(field: field)
            guard let s = String(bytes: try bytes(n, field: field), encoding: .utf8) else { throw fail(field, "string is not UTF-8") }
            return s
        }

        mutating func value(type: UInt32, field: String, depth: Int) throws -> GGUFValue {
            switch type {
            case 0: return .uint(UInt64(try read(UInt8.self, field: field)))
            case 1: return .int(Int64(try read(Int8.self, field: field)))
            case 2: return .uint(UInt64(try read(UInt16.self, field: field)))
            case 3: return .int(Int64(try read(Int16.self, field: field)))
            case 4: return .uint(UInt64(try read(UInt32.self, field: field)))
            case 5: return .int(Int64(try read(Int32.self, field: field)))
            case 6: return .float(Double(Float(bitPattern: try read(UInt32.self, field: field))))
            case 7:
                let b = try read(UInt8.self, field: field)
                guard b <= 1 else { throw fail(field, "bool value \(b)") }
                return .bool(b == 1)
            case 8: return .string(try string(field: field))
            case 9:
                guard depth < 4 else { throw fail(field, "arrays nested too deeply") }
                let elementType = try read(UInt32.self, field: field)
                let n = try count(field: field)
                guard n <= bytes.count - position else { throw fail(field, "array of \(n) elements cannot fit in the file") }
                var out: [GGUFValue] = []
                out.reserveCapacity(n)
                for _ in 0..<n { out.append(try value(type: elementType, field: field, depth: depth + 1)) }
                return .array(out)
            case 10: return .uint(try read(UInt64.self, field: field))
            case 11: return .int(try read(Int64.self, field: field))
            case 12: return .float(Double(bitPattern: try read(UInt64.self, field: field)))
            default: throw fail(field, "unknown metadata value type \(type)")
            }
        }
    }
}
