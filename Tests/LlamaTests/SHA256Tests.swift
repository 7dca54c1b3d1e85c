import Llama
import XCTest

final class SHA256Tests: XCTestCase {
    /// Digests from Python's `hashlib.sha256` of bytes (i * 7 + 3) % 256, at lengths around the
    /// 55/56/64-byte padding boundaries where a one-block or two-block tail differs.
    func testDigestsMatchHashlibAtPaddingBoundaries() {
        let expected: [Int: String] = [
            0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            3: "6ab0dba1f4f1dfbb37b4f9eeb092c09fca4900ad32bdcd147d8dde35d6c87c35",
            55: "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
            56: "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
            63: "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
            64: "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
            65: "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
            119: "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e",
            1000: "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371",
        ]
        for (n, digest) in expected {
            let bytes = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            XCTAssertEqual(SHA256.hex(bytes), digest, "length \(n)")
        }
    }

    func testFileDigestEqualsInMemoryDigest() throws {
        let bytes = (0..<1000).map { UInt8(($0 * 7 + 3) % 256) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(getpid()).bin")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SHA256.hex(ofFile: url.path), "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371")
    }
}
