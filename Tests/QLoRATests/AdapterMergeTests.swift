import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// Merges against PEFT's add_weighted_adapter on the same factors (Scripts/fixtures/qlora_merge.py).
final class AdapterMergeTests: XCTestCase {
    lazy var reference: [String: Any] = try! Fixtures.json("merge_reference.json", in: .module) as! [String: Any]
    let names = ["microblogs", "forums", "wikitalk"]

    func tensor(_ rows: Any?) -> Tensor {
        let r = rows as! [[Double]]
        return Tensor(r.flatMap { $0.map(Float.init) }, shape: [r.count, r[0].count])
    }

    func adapters() -> [LoRAAdapter] {
        let modules = reference["modules"] as! [String: [String: [String: Any]]]
        let alphas = reference["alphas"] as! [String: Double]
        return names.map { name in
            var weights: [String: LoRAWeights] = [:]
            for (path, entry) in modules { weights[path] = LoRAWeights(a: tensor(entry[name]!["A"]), b: tensor(entry[name]!["B"])) }
            return LoRAAdapter(config: LoRAConfig(r: 4, alpha: alphas[name]!, dropout: 0, targetModules: ["q_proj", "v_proj", "down_proj"]), modules: weights)
        }
    }

    func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float, _ message: String, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, message, line: line)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(message): max abs error \(worst)", line: line)
    }

    func check(_ mode: AdapterMerge.Mode, key: String, productOnly: Bool = false) throws {
        let merged = try AdapterMerge.merge(adapters(), weights: reference["weights"] as! [Double], mode: mode, names: names)
        XCTAssertEqual(merged.scaling, 1)
        for (path, entry) in reference["modules"] as! [String: [String: [String: Any]]] {
            let peft = entry[key]!
            XCTAssertEqual(peft["scaling"] as! Double, 1)
            let ours = merged.modules[path]!
            if productOnly {
                // SVD factors are unique only up to sign; their product is not.
                assertClose(ours.delta(scaling: 1), tensor(peft["B"]).matmul(tensor(peft["A"])), tolerance: 1e-5, "\(key) \(path)")
            } else {
                assertClose(ours.a, tensor(peft["A"]), tolerance: 1e-6, "\(key) A \(path)")
                assertClose(ours.b, tensor(peft["B"]), tolerance: 1e-6, "\(key) B \(path)")
            }
        }
    }

    func testLinearMatchesPEFT() throws { try check(.linear, key: "merged_linear") }
    func testCatMatchesPEFT() throws { try check(.cat, key: "merged_cat") }
    func testSVDMatchesPEFT() throws { try check(.svd(rank: nil), key: "merged_svd", productOnly: true) }

    func testCatIsTheExactWeightedSumOfDeltas() throws {
        let adapters = adapters(), weights = [0.2, 0.5, 0.3]
        let merged = try AdapterMerge.merge(adapters, weights: weights, mode: .cat, names: names)
        for path in merged.modulePaths {
            var sum = Tensor(zeros: merged.modules[path]!.delta(scaling: 1).shape)
            for (a, w) in zip(adapters, weights) { sum = sum + a.modules[path]!.delta(scaling: a.scaling) * Float(w) }
            assertClose(merged.modules[path]!.delta(scaling: 1), sum, tolerance: 1e-5, path)
        }
    }

    func testMismatchedAdaptersAreRefused() {
        var bad = adapters()
        bad[1].modules.removeValue(forKey: bad[1].modulePaths[0])
        XCTAssertThrowsError(try AdapterMerge.merge(bad, weights: [0.3, 0.3, 0.4], mode: .linear, names: names)) { error in
            XCTAssertTrue(String(describing: error).contains("forums"))
        }
        XCTAssertThrowsError(try AdapterMerge.merge(adapters(), weights: [0.3, .nan, 0.4], mode: .linear, names: names))
    }
}
