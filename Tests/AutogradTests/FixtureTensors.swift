import Foundation
import Tensor
import TestSupport
import XCTest

/// Reads the `{shape, data}` tensors that Scripts/fixtures/autograd_block.py writes.
enum FixtureTensors {
    static func load(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(Fixtures.json(name, in: Bundle.module) as? [String: Any], "\(name) is not a JSON object")
    }

    static func tensor(_ object: Any?, _ what: String) throws -> Tensor {
        let dict = try XCTUnwrap(object as? [String: Any], "\(what) is not a tensor object")
        let shape = try XCTUnwrap(dict["shape"] as? [Int], "\(what).shape")
        let data = try XCTUnwrap(dict["data"] as? [Double], "\(what).data")
        return Tensor(data.map(Float.init), shape: shape)
    }
}

/// max |actual - expected| / max |expected|: the error relative to the tensor's scale.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "relativeError: shapes \(actual.shape) and \(expected.shape) differ")
    let a = actual.scalars, e = expected.scalars
    let scale = e.reduce(Float(0)) { Swift.max($0, abs($1)) }
    let diff = zip(a, e).reduce(Float(0)) { Swift.max($0, abs($1.0 - $1.1)) }
    return scale == 0 ? diff : diff / scale
}

func assertClose(_ actual: Tensor?, _ expected: Tensor, relative tolerance: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("\(what): no gradient", file: file, line: line) }
    guard actual.shape == expected.shape else {
        return XCTFail("\(what): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
    }
    let err = relativeError(actual, expected)
    XCTAssertLessThanOrEqual(err, tolerance, "\(what): relative error \(err)", file: file, line: line)
}
