import XCTest
import Tensor

/// The generator against an independent Python xoshiro256** / SplitMix64, and the distributions
/// against their formulas (kaiming bound from torch.nn.init).
final class RandomTests: XCTestCase {
    var cases: [[String: Any]] { OpFixtures.root["random"] as! [[String: Any]] }

    func seed(_ c: [String: Any]) -> UInt64 { UInt64(c["seed"] as! String, radix: 16)! }

    func testRawOutputsAndFloatsMatchPython() {
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            var g = RandomGenerator(seed: seed(c))
            let raw = (c["raw"] as! [String]).map { UInt64($0, radix: 16)! }
            XCTAssertEqual((0..<raw.count).map { _ in g.next() }, raw, "seed \(c["seed"]!)")
            let floats = OpFixtures.floats(c["floats"])
            XCTAssertEqual((0..<floats.count).map { _ in g.nextFloat() }, floats, "seed \(c["seed"]!)")
        }
    }

    func testUniformAndNormalTensorsMatchPython() {
        for c in cases {
            let u = c["uniform"] as! [String: Any], n = c["normal"] as! [String: Any]
            var g = RandomGenerator(seed: seed(c))
            let uv = OpFixtures.floats(u["values"])
            let ut = Tensor.uniform([2, 3], low: OpFixtures.float(u["low"]), high: OpFixtures.float(u["high"]), generator: &g)
            XCTAssertEqual(ut.scalars, uv)
            g = RandomGenerator(seed: seed(c))
            let nv = OpFixtures.floats(n["values"])
            let nt = Tensor.normal([6], mean: OpFixtures.float(n["mean"]), std: OpFixtures.float(n["std"]), generator: &g)
            for (a, e) in zip(nt.scalars, nv) { XCTAssertEqual(a, e, accuracy: 1e-6 * Swift.max(1, abs(e))) }
        }
    }

    func testNormalStatistics() {
        var g = RandomGenerator(seed: 7)
        let x = Tensor.normal([200_000], mean: 1.5, std: 3, generator: &g)
        let values = x.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        // Standard errors: 3 / sqrt(2e5) = 0.0067 for the mean, 3 / sqrt(4e5) = 0.0047 for the std.
        XCTAssertEqual(mean, 1.5, accuracy: 0.03)
        XCTAssertEqual(std, 3, accuracy: 0.025)
        let within1 = Double(values.filter { abs($0 - 1.5) < 3 }.count) / Double(values.count)
        XCTAssertEqual(within1, 0.6827, accuracy: 0.005)
    }

    func testKaimingUniformBoundMatchesTorchInit() {
        for k in OpFixtures.root["kaiming"] as! [[String: Any]] {
            let shape = OpFixtures.ints(k["shape"])
            let a = OpFixtures.float(k["a"]), bound = OpFixtures.float(k["bound"])
            var g = RandomGenerator(seed: 3)
            let w = Tensor.kaimingUniform(shape, a: a, generator: &g).scalars
            let maxAbs = w.map(abs).max()!
            XCTAssertLessThanOrEqual(maxAbs, bound * (1 + 1e-6), "kaiming \(shape) a=\(a)")
            XCTAssertGreaterThan(maxAbs, bound * 0.97, "kaiming \(shape) a=\(a)")
            let mean = w.map(Double.init).reduce(0, +) / Double(w.count)
            let std = (w.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
            // Uniform on [-b, b] has std b / sqrt(3); torch's own sample agrees within sampling error.
            XCTAssertEqual(std, Double(bound) / 3.0.squareRoot(), accuracy: Double(bound) * 0.05)
            XCTAssertEqual(std, k["torchStd"] as! Double, accuracy: Double(bound) * 0.08)
        }
    }

    func testSameSeedSameBytes() {
        var g1 = RandomGenerator(seed: 99), g2 = RandomGenerator(seed: 99)
        XCTAssertEqual(Tensor.normal([33], generator: &g1).scalars, Tensor.normal([33], generator: &g2).scalars)
    }
}
