import Foundation
import TestSupport
import XCTest
import Tensor

/// One reference case from `Fixtures/tensor_ops.json` (written by Scripts/fixtures/tensor_ops.py).
struct OpCase {
    let op: String
    let name: String
    let specs: [[String: Any]]
    let args: [String: Any]
    let expected: [String: Any]
    let raw: [String: Any]

    /// The inputs as the script built them: base values, then its chain of views.
    func inputs(map: ((Float) -> Float)? = nil) -> [Tensor] { specs.map { OpFixtures.tensor($0, map: map) } }
    var input: Tensor { inputs()[0] }
}

/// Loads the reference file once and turns its JSON into tensors.
enum OpFixtures {
    static let root: [String: Any] = {
        do {
            return try Fixtures.json("tensor_ops.json", in: Bundle.module) as! [String: Any]
        } catch {
            fatalError("tensor_ops.json does not parse: \(error)")
        }
    }()

    static func cases(_ family: String) -> [OpCase] {
        (root["cases"] as! [[String: Any]]).filter { $0["family"] as? String == family }.map {
            OpCase(op: $0["op"] as! String, name: $0["name"] as! String, specs: $0["inputs"] as! [[String: Any]],
                   args: $0["args"] as! [String: Any], expected: $0["expected"] as! [String: Any], raw: $0)
        }
    }

    /// A JSON number, where the script spells infinities as strings.
    static func float(_ any: Any?) -> Float {
        switch any {
        case let s as String: return s == "inf" ? .infinity : s == "-inf" ? -.infinity : .nan
        case let n as NSNumber: return n.floatValue
        default: return .nan
        }
    }

    static func floats(_ any: Any?) -> [Float] { (any as! [Any]).map(float) }
    static func ints(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }

    static func tensor(_ spec: [String: Any], map: ((Float) -> Float)? = nil) -> Tensor {
        let shape = ints(spec["shape"])
        var values: [Float]
        if let data = spec["data"] {
            values = floats(data)
        } else {
            let g = ints(spec["gen"]), a = g[0], b = g[1], m = g[2]
            values = (0..<Shape.count(shape)).map { i in Float((i * a + b) % m - m / 2) / 256 }
        }
        if let map { values = values.map(map) }
        var t = Tensor(values, shape: shape)
        for view in spec["views"] as? [[Any]] ?? [] { t = apply(view, to: t) }
        return t
    }

    static func apply(_ view: [Any], to t: Tensor) -> Tensor {
        func int(_ i: Int) -> Int { (view[i] as! NSNumber).intValue }
        switch view[0] as! String {
        case "permute": return t.permuted(ints(view[1]))
        case "transpose": return t.transposed(int(1), int(2))
        case "slice": return t.slice(axis: int(1), start: int(2), end: int(3), step: int(4))
        case "select": return t.select(axis: int(1), int(2))
        case "expand": return t.expanded(to: ints(view[1]))
        case "unsqueeze": return t.unsqueezed(int(1))
        case "squeeze": return t.squeezed(int(1))
        case "reshape": return t.reshaped(ints(view[1]))
        case let other: fatalError("unknown view \(other) in fixture")
        }
    }
}

/// Largest error seen per family, printed at the end of each test class for the record.
final class ErrorLog: @unchecked Sendable {
    private var worst: [String: Float] = [:]
    private let lock = NSLock()
    static let shared = ErrorLog()

    func note(_ family: String, _ error: Float) {
        lock.lock(); defer { lock.unlock() }
        worst[family] = Swift.max(worst[family] ?? 0, error)
    }

    func report(_ family: String) -> String {
        lock.lock(); defer { lock.unlock() }
        return "\(family): max relative error \(worst[family] ?? 0)"
    }
}

/// Asserts `actual` against a fixture's expected values: elementwise `|a - e| <= rtol * max(1, |e|)`,
/// or, for a checksum, each of (sum, weighted sum) within `rtol * sum|e|`. Returns the worst error.
@discardableResult
func assertMatches(_ actual: Tensor, _ expected: [String: Any], rtol: Float, _ label: String,
                   family: String, file: StaticString = #filePath, line: UInt = #line) -> Float {
    let shape = OpFixtures.ints(expected["shape"])
    XCTAssertEqual(actual.shape, shape, "\(label): shape", file: file, line: line)
    guard actual.shape == shape else { return .infinity }
    let values = actual.scalars
    var worst: Float = 0
    if let checksum = expected["checksum"] as? [Double] {
        var sum = 0.0, weighted = 0.0
        for (i, v) in values.enumerated() {
            sum += Double(v)
            weighted += Double(v) * Double(((i * 31) % 17) - 8) / 8
        }
        let scale = Swift.max(checksum[2], 1)
        worst = Float(Swift.max(abs(sum - checksum[0]), abs(weighted - checksum[1])) / scale)
        XCTAssertLessThanOrEqual(worst, rtol, "\(label): checksum \([sum, weighted]) vs \(checksum)", file: file, line: line)
    } else {
        let want = OpFixtures.floats(expected["data"])
        for (i, (a, e)) in zip(values, want).enumerated() {
            if e.isInfinite || a.isInfinite {
                XCTAssertEqual(a, e, "\(label)[\(i)]", file: file, line: line)
                continue
            }
            let err = abs(a - e) / Swift.max(1, abs(e))
            worst = Swift.max(worst, err)
            if !(err <= rtol) {
                XCTFail("\(label)[\(i)]: \(a) vs expected \(e) (relative error \(err) > \(rtol))", file: file, line: line)
                break
            }
        }
    }
    ErrorLog.shared.note(family, worst)
    return worst
}
