import Foundation
import XCTest
@testable import Autograd

final class FastExpTests: XCTestCase {
    func testVectorExpMatchesLibmWithinTwoUlp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 87.98 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0013 })
            let fast = FastExp.exp(lanes)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(lanes[i]))
                let ulp = Double(Float(exact).ulp)
                worst = Swift.max(worst, Float(abs(Double(fast[i]) - exact) / ulp))
            }
            x += 0.0917
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst error \(worst) ulp")
        XCTAssertEqual(FastExp.exp(0), 1)
        XCTAssertGreaterThan(FastExp.exp(-1000), 0)
        XCTAssertLessThan(FastExp.exp(-1000), 1e-37)
        XCTAssertTrue(FastExp.exp(1000).isFinite)
    }
}
