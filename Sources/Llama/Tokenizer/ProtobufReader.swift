/// A bounds-checked reader of the protobuf wire format, just enough for SentencePiece's ModelProto.
///
/// Every read checks the remaining length so a truncated or corrupt file throws instead of trapping.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    private let end: Int
    let file: String
    /// The message path used in error messages, such as `ModelProto.trainer_spec`.
    let context: String

    init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, file: String, context: String) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.file = file
        self.context = context
    }

    var isAtEnd: Bool { position >= end }

    func error(_ field: String, _ reason: String) -> TokenizerError {
        TokenizerError(file: file, field: field.isEmpty ? context : "\(context).\(field)", reason: reason)
    }

    /// Reads a field key, returning its number and wire type.
    mutating func readKey() throws -> (number: UInt64, wireType: WireType) {
        let key = try readVarint(field: "")
        guard let wire = WireType(rawValue: UInt8(key & 7)) else {
            throw error("", "unknown wire type \(key & 7) at byte \(position)")
        }
        let number = key >> 3
        guard number > 0 else { throw error("", "field number 0 at byte \(position)") }
        return (number, wire)
    }

    mutating func readVarint(field: String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw error(field, "truncated varint at byte \(position)") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw error(field, "varint longer than 10 bytes at byte \(position)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func readFixed32(field: String) throws -> UInt32 {
        guard end - position >= 4 else { throw error(field, "truncated fixed32 at byte \(position)") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return value
    }

    /// Reads a length-delimited payload and returns its byte range.
    mutating func readLengthDelimited(field: String) throws -> Range<Int> {
        let length = try readVarint(field: field)
        guard length <= UInt64(end - position) else {
            throw error(field, "length \(length) runs past the end (\(end - position) bytes left) at byte \(position)")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// Reads a field value with the expected wire type, or throws naming the field.
    mutating func expect(_ wire: WireType, got: WireType, field: String) throws {
        guard wire == got else { throw error(field, "wire type \(got.rawValue), expected \(wire.rawValue)") }
    }

    mutating func readBool(_ got: WireType, field: String) throws -> Bool {
        try expect(.varint, got: got, field: field)
        return try readVarint(field: field) != 0
    }

    /// Reads an `int32` field; negative values are sign-extended 64-bit varints on the wire.
    mutating func readInt32(_ got: WireType, field: String) throws -> Int32 {
        try expect(.varint, got: got, field: field)
        return Int32(truncatingIfNeeded: Int64(bitPattern: try readVarint(field: field)))
    }

    mutating func readFloat(_ got: WireType, field: String) throws -> Float {
        try expect(.fixed32, got: got, field: field)
        return Float(bitPattern: try readFixed32(field: field))
    }

    mutating func readString(_ got: WireType, field: String) throws -> String {
        try expect(.lengthDelimited, got: got, field: field)
        let range = try readLengthDelimited(field: field)
        guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw error(field, "not valid UTF-8")
        }
        return text
    }

    mutating func readMessage(_ got: WireType, field: String) throws -> ProtobufReader {
        try expect(.lengthDelimited, got: got, field: field)
        let range = try readLengthDelimited(field: field)
        return ProtobufReader(bytes: bytes, range: range, file: file, context: "\(context).\(field)")
    }

    /// Skips a field this reader does not need.
    mutating func skip(_ wire: WireType, field: String) throws {
        switch wire {
        case .varint: _ = try readVarint(field: field)
        case .fixed64:
            guard end - position >= 8 else { throw error(field, "truncated fixed64 at byte \(position)") }
            position += 8
        case .lengthDelimited: _ = try readLengthDelimited(field: field)
        case .fixed32: _ = try readFixed32(field: field)
        case .startGroup, .endGroup:
            throw error(field, "deprecated group wire type \(wire.rawValue) at byte \(position)")
        }
    }
}
