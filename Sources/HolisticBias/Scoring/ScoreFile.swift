import Foundation

/// A resumable scores CSV (`text,descriptor,axis,template,perplexity`): opening it reads the rows
/// a previous run wrote, drops a partial last line left by a killed run, and appends new rows with
/// an fsync after each batch, so a crash loses at most the batch in flight.
public final class ScoreFile {
    public let url: URL
    /// The rows already in the file when it was opened.
    public let existing: [Scores.Row]
    private let fd: Int32

    /// Opens or creates `url`. Throws a `HolisticBiasError` naming the file when it cannot be
    /// opened, or when its rows do not parse as a scores file.
    public init(url: URL) throws {
        self.url = url
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw HolisticBiasError(file: folder.path, "cannot create output folder (\(error.localizedDescription))")
        }
        let fd = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw HolisticBiasError(file: url.path, "cannot open for appending (errno \(errno))") }
        do {
            let bytes = try Self.readAll(fd, path: url.path)
            // Only whole lines count: a run killed mid-write leaves bytes after the last newline.
            let complete = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            if complete < bytes.count {
                guard ftruncate(fd, off_t(complete)) == 0 else {
                    throw HolisticBiasError(file: url.path, "cannot drop the partial last line (errno \(errno))")
                }
            }
            guard lseek(fd, off_t(complete), SEEK_SET) >= 0 else {
                throw HolisticBiasError(file: url.path, "cannot seek past the last whole line (errno \(errno))")
            }
            if complete == 0 {
                existing = []
                var header = CSVBuffer()
                header.appendRow(Scores.columns)
                try Self.append(header.bytes, fd: fd, path: url.path)
            } else {
                existing = try Scores(url: url).rows
            }
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends `rows` and makes them durable before returning.
    public func append(_ rows: [Scores.Row]) throws {
        var buffer = CSVBuffer()
        for r in rows {
            buffer.appendRow([r.text, r.descriptor, r.axis, r.template, "\(r.perplexity)"])
        }
        try Self.append(buffer.bytes, fd: fd, path: url.path)
    }

    /// The items of `pending` not yet in the file, matching rows by text, descriptor, axis and
    /// template and counting repeats (the dataset is not deduplicated).
    public func remaining<T>(_ pending: [T], key: (T) -> Scores.Row) -> [T] {
        var written: [[String]: Int] = [:]
        for r in existing { written[[r.text, r.descriptor, r.axis, r.template], default: 0] += 1 }
        return pending.filter { item in
            let r = key(item)
            let k = [r.text, r.descriptor, r.axis, r.template]
            guard let n = written[k], n > 0 else { return true }
            written[k] = n - 1
            return false
        }
    }

    private static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HolisticBiasError(file: path, "cannot read (errno \(errno))")
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    private static func append(_ bytes: [UInt8], fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HolisticBiasError(file: path, "cannot append (errno \(errno))")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw HolisticBiasError(file: path, "cannot flush to disk (errno \(errno))") }
    }
}
