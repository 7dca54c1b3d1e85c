import Foundation
import TestSupport
import XCTest
@testable import Serving

/// The OpenAPI document in the repository describes the routes the server has, no more, no fewer.
final class OpenAPIDocumentTests: XCTestCase {
    func testDocumentListsEveryRoute() throws {
        let url = SharedAssets.packageRoot.appendingPathComponent("Sources/Serving/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let paths = text.range(of: "\npaths:\n"), let components = text.range(of: "\ncomponents:\n") else {
            return XCTFail("\(url.path) has no paths: or components: section")
        }
        let documented = Set(text[paths.upperBound..<components.lowerBound].split(separator: "\n")
            .filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }
            .map { String($0.dropFirst(2).dropLast()) })
        XCTAssertEqual(documented, ServingMiddleware.routes)
    }
}
