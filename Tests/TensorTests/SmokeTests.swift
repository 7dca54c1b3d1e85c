import XCTest
@testable import Tensor

final class SmokeTests: XCTestCase {
    func testMatmulTransposedView() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([1, 0, 2, 1, 0, 3], shape: [2, 3])
        XCTAssertEqual(a.matmul(b.transposed()).scalars, [7, 10, 16, 22])
    }
}
