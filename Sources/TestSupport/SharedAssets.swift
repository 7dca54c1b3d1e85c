import Foundation
import XCTest

/// Locates the project's read-only assets folder (`../shared` beside the checkout) for tests.
///
/// `EXPLAININGHATE_SHARED` overrides the location. Tests call `try SharedAssets.require(...)`,
/// which skips the test with a clear message on a fresh clone where the folder is absent.
public enum SharedAssets {
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["EXPLAININGHATE_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The checkout's root, found from this source file's path.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The asset at `relativePath` under the shared folder, or an `XCTSkip` naming what is missing.
    public static func require(_ relativePath: String) throws -> URL {
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("needs \(url.path) (the project's ../shared assets), which is absent here; set EXPLAININGHATE_SHARED to its location")
        }
        return url
    }
}

/// Loads committed test fixtures from a test bundle's `Fixtures` folder.
public enum Fixtures {
    public static func url(_ name: String, in bundle: Bundle) -> URL {
        guard let url = bundle.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            fatalError("fixture \(name) is missing from the test bundle; regenerate it with the script in Scripts/fixtures")
        }
        return url
    }

    public static func json(_ name: String, in bundle: Bundle) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(name, in: bundle)))
    }
}
