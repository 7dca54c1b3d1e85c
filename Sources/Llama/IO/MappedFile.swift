import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
/// Tensors that borrow from it keep it alive through `Storage`'s owner.
///
/// Only regular files are mapped: a FIFO would block the open until some writer appears, and a
/// device or directory has no meaningful size, so they are refused with a `FormatError`.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK makes opening a FIFO return at once, so the check below can refuse it.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw FormatError(file: path, field: "file", message: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(file: path, field: "file", message: "cannot stat: \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw FormatError(file: path, field: "file", message: "is not a regular file (\(Self.kind(st.st_mode))); give a file")
        }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FormatError(file: path, field: "file", message: "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// The kind of a non-regular file, for the error.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a plain file"
        }
    }

    /// A copy of the whole file's bytes, for formats parsed from `Data`.
    public static func contents(of path: String) throws -> Data {
        let file = try MappedFile(path: path)
        // The mapping must outlive the copy; the file is unmapped when `file` goes.
        return withExtendedLifetime(file) { Data(file.bytes) }
    }
}

/// A problem in a file we read: which file, which tensor or field, and what is wrong.
public struct FormatError: Error, CustomStringConvertible, Equatable {
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

/// Writes `data` to `url` atomically: a temporary file in the same folder, then a rename, so a
/// reader never sees half a file and a crash leaves the old file in place.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    do {
        try data.write(to: temp)
        if rename(temp.path, url.path) != 0 {
            throw FormatError(file: url.path, field: "file", message: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    } catch {
        try? FileManager.default.removeItem(at: temp)
        if error is FormatError { throw error }
        throw FormatError(file: url.path, field: "file", message: "cannot write: \(error.localizedDescription)")
    }
}
