import ToolSupport
import XCTest

/// `--optimizer_memory_budget`: sizes that used to trap converting to `Int` are errors naming the flag.
final class ByteCountTests: XCTestCase {
    func testSizesParse() throws {
        XCTAssertEqual(try parseByteCount("256M", flag: "--b"), 256 << 20)
        XCTAssertEqual(try parseByteCount("1.5k", flag: "--b"), 1536)
        XCTAssertEqual(try parseByteCount("4096", flag: "--b"), 4096)
        XCTAssertEqual(try parseByteCount("0G", flag: "--b"), 0)
    }

    func testUnrepresentableOrNegativeSizesAreErrors() {
        for text in ["99999999999999999999G", "8589934592G", "nanG", "infM", "-1K", "-5", "99999999999999999999", "", "G", "12X"] {
            XCTAssertThrowsError(try parseByteCount(text, flag: "--optimizer_memory_budget"), text) { error in
                XCTAssertEqual(error as? ByteCountError, ByteCountError(flag: "--optimizer_memory_budget", value: text))
                XCTAssertTrue("\(error)".hasPrefix("--optimizer_memory_budget \(text): "), "\(error)")
            }
        }
    }
}
