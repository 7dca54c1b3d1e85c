import Foundation
import Tensor

/// A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
///
/// The header is validated completely on open (bounds, sizes, overlaps, dtypes), so a bad file
/// throws a `FormatError` naming the file and tensor before anything is used. F32 tensors whose
/// data is 4-byte aligned are wrapped without a copy.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range in the file (absolute).
        public let range: Range<Int>
    }

    public let path: String
    public let metadata: [String: String]
    public let entries: [String: Entry]
    let file: MappedFile

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let bytes = file.bytes
        func fail(_ field: String, _ message: String) -> FormatError { FormatError(file: path, field: field, message: message) }
        guard bytes.count >= 8 else { throw fail("header", "file is \(bytes.count) bytes, too short for the 8-byte header length") }
        let headerLength = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header", "header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + Int(headerLength)
        let headerData = Data(bytes[8..<dataStart])
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("header", "header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__", "must be an object of strings") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__.\(k)", "must be a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail(name, "entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail(name, "missing dtype") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail(name, "unsupported dtype \(dtypeName)") }
            guard let shape = info["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else { throw fail(name, "shape must be a list of non-negative integers") }
            guard let offsets = info["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw fail(name, "data_offsets must be [begin, end] with begin <= end")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, !byteOverflow else { throw fail(name, "shape \(shape) of \(dtypeName) is too large") }
            guard offsets[1] - offsets[0] == byteCount else {
                throw fail(name, "data_offsets span \(offsets[1] - offsets[0]) bytes, shape \(shape) of \(dtypeName) needs \(byteCount)")
            }
            guard offsets[1] <= bytes.count - dataStart else {
                throw fail(name, "data_offsets \(offsets) run past the end of the file (\(bytes.count - dataStart) data bytes)")
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        let sorted = entries.values.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound && !a.range.isEmpty && !b.range.isEmpty {
            throw fail(b.name, "data overlaps tensor \(a.name)")
        }
        self.metadata = metadata
        self.entries = entries
    }

    public var names: [String] { entries.keys.sorted() }

    /// The raw bytes of a tensor (for U8 packed 4-bit weights and other non-float data).
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let e = entries[name] else { throw FormatError(file: path, field: name, message: "tensor is missing") }
        return UnsafeRawBufferPointer(rebasing: file.bytes[e.range])
    }

    /// A tensor as Float32: F32 data is borrowed from the mapping when aligned, other dtypes are converted.
    /// A borrowed tensor is read-only memory: `copy()` it before writing through it.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw FormatError(file: path, field: name, message: "tensor is missing") }
        let count = Shape.count(e.shape)
        let base = file.bytes.baseAddress.map { $0 + e.range.lowerBound }
        let strides = Shape.contiguousStrides(e.shape)
        if e.dtype == .float32, let base, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            let storage = Storage(borrowing: UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Float.self)), count: count, owner: file)
            return Tensor(storage: storage, shape: e.shape, strides: strides)
        }
        let storage = Storage(count: count)
        if let base, count > 0 { HalfPrecision.decode(base, dtype: e.dtype, count: count, into: storage.pointer) }
        return Tensor(storage: storage, shape: e.shape, strides: strides)
    }
}

/// Writes safetensors files, atomically.
public enum SafeTensorsWriter {
    /// One tensor to write: Float32 values, or raw bytes with their dtype (U8 packed weights, say).
    public struct Item {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Data

        public init(name: String, tensor: Tensor) {
            self.name = name
            dtype = .float32
            shape = tensor.shape
            bytes = tensor.withUnsafeBufferPointer { Data(buffer: $0) }
        }

        /// `tensor` narrowed to F16 or BF16 (round to nearest even, as PyTorch's `.half()` and
        /// `.bfloat16()`), or kept as F32.
        public init(name: String, tensor: Tensor, as dtype: DType) {
            precondition([.float32, .float16, .bfloat16].contains(dtype), "SafeTensorsWriter: \(name) cannot be stored as \(dtype.rawValue)")
            guard dtype != .float32 else { self.init(name: name, tensor: tensor); return }
            let halves: [UInt16] = tensor.withUnsafeBufferPointer { values in
                values.map { dtype == .float16 ? HalfPrecision.float16Bits($0) : HalfPrecision.bfloat16Bits($0) }
            }
            self.init(name: name, dtype: dtype, shape: tensor.shape, bytes: halves.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) })
        }

        public init(name: String, dtype: DType, shape: [Int], bytes: Data) {
            precondition(bytes.count == Shape.count(shape) * dtype.byteSize,
                         "SafeTensorsWriter: \(name) has \(bytes.count) bytes for shape \(shape) of \(dtype.rawValue)")
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// The file's bytes: header padded with spaces to a multiple of 8 (as the reference writer
    /// does), tensors in name order.
    public static func encode(_ items: [Item], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let sorted = items.sorted { $0.name < $1.name }
        for item in sorted {
            header[item.name] = ["dtype": item.dtype.rawValue, "shape": item.shape, "data_offsets": [offset, offset + item.bytes.count]] as [String: Any]
            offset += item.bytes.count
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        var length = UInt64(json.count).littleEndian
        out.append(Data(bytes: &length, count: 8))
        out.append(json)
        for item in sorted { out.append(item.bytes) }
        return out
    }

    public static func write(_ items: [Item], metadata: [String: String] = [:], to url: URL) throws {
        try writeAtomically(encode(items, metadata: metadata), to: url)
    }
}
