import Foundation

/// Appends CSV bytes the way pandas `DataFrame.to_csv(index=False)` writes them: `,` separators,
/// `\n` line ends, and a field quoted (inner quotes doubled) only when it holds a comma, a quote
/// or a line break.
struct CSVBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    static func needsQuotes<C: Collection>(_ field: C) -> Bool where C.Element == UInt8 {
        field.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
    }

    /// Appends one field's bytes, quoting when needed.
    mutating func appendField<C: Collection>(_ field: C) where C.Element == UInt8 {
        if Self.needsQuotes(field) {
            bytes.append(UInt8(ascii: "\""))
            for b in field {
                bytes.append(b)
                if b == UInt8(ascii: "\"") { bytes.append(b) }
            }
            bytes.append(UInt8(ascii: "\""))
        } else {
            bytes.append(contentsOf: field)
        }
    }

    mutating func appendField(_ field: String) {
        appendField(Array(field.utf8))
    }

    /// Appends a whole row of string fields and the line end.
    mutating func appendRow(_ fields: [String]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendField(f)
        }
        bytes.append(0x0A)
    }
}

/// Formats a boolean as pandas writes it.
func pandasBool(_ b: Bool) -> String { b ? "True" : "False" }

/// Writes `data` to `url` through a temporary file in the same folder and a rename, so readers
/// never see a half-written file.
func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    let folder = url.deletingLastPathComponent()
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
        throw HolisticBiasError(file: folder.path, "cannot create output folder (\(error.localizedDescription))")
    }
    let temp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
    let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
        throw HolisticBiasError(file: url.path, "cannot create temporary file \(temp.path) (errno \(errno))")
    }
    // Written straight from the buffer: wrapping 100 MB in Data would copy it first.
    var failure: Int32 = 0
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            offset += n
        }
    }
    if close(fd) != 0 && failure == 0 { failure = errno }
    guard failure == 0 else {
        unlink(temp.path)
        throw HolisticBiasError(file: url.path, "cannot write temporary file \(temp.path) (errno \(failure))")
    }
    guard rename(temp.path, url.path) == 0 else {
        let code = errno
        unlink(temp.path)
        throw HolisticBiasError(file: url.path, "cannot rename temporary file into place (errno \(code))")
    }
}
