import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// AdamW, clipping and schedules against bitsandbytes, torch and transformers
/// (Scripts/fixtures/optim_reference.py).
final class OptimizerTests: XCTestCase {
    lazy var reference: [String: Any] = try! Fixtures.json("optim_reference.json", in: .module) as! [String: Any]

    func floats(_ any: Any?) -> [[Float]] { (any as! [[Double]]).map { $0.map(Float.init) } }

    func assertClose(_ a: [Float], _ b: [Float], rel: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        var worst: Float = 0
        for (x, y) in zip(a, b) { worst = max(worst, abs(x - y) / max(abs(y), 1e-6)) }
        XCTAssertLessThanOrEqual(worst, rel, "max relative error \(worst)", file: file, line: line)
    }

    func runBitsandbytesSteps(store: OptimizerStateStore) -> (AdamW, [Tensor], [[String: Any]]) {
        let ref = reference["bnb_adamw"] as! [String: Any]
        let h = ref["hyper"] as! [String: Double]
        let params0 = floats(ref["params0"])
        let shapes = [[7, 13], [300]]
        let params = zip(params0, shapes).map { Tensor($0, shape: $1) }
        let opt = AdamW(learningRate: h["lr"]!, beta1: h["beta1"]!, beta2: h["beta2"]!, epsilon: h["eps"]!,
                        weightDecay: h["weight_decay"]!, state: store)
        for g in ref["grads"] as! [Any] {
            let grads = zip(floats(g), shapes).map { Tensor($0, shape: $1) }
            opt.update([("a", params[0], grads[0]), ("b", params[1], grads[1])])
        }
        return (opt, params, ref["steps"] as! [[String: Any]])
    }

    /// bitsandbytes runs its update through torch.compile, which fuses multiply-adds: even eager
    /// PyTorch on the same formula differs from it by one float ulp in a few elements, hence 5e-6.
    func testAdamWMatchesBitsandbytes32Bit() {
        let (opt, params, steps) = runBitsandbytesSteps(store: InMemoryStateStore())
        let last = steps.last!
        XCTAssertEqual(opt.step, 3)
        for (i, name) in ["a", "b"].enumerated() {
            assertClose(params[i].scalars, floats(last["params"])[i], rel: 5e-6)
            assertClose(opt.state.moments(name: name)!.m, floats(last["m"])[i], rel: 5e-6)
            assertClose(opt.state.moments(name: name)!.v, floats(last["v"])[i], rel: 5e-6)
        }
    }

    func testClippedAdamWStepMatchesTorch() {
        let ref = reference["bnb_adamw"] as! [String: Any]
        let h = ref["hyper"] as! [String: Double]
        let shapes = [[7, 13], [300]]
        let params = zip(floats(ref["params0"]), shapes).map { Tensor($0, shape: $1) }
        let opt = AdamW(learningRate: h["lr"]!, epsilon: h["eps"]!, weightDecay: h["weight_decay"]!)
        let torchSteps = (reference["torch_adamw_clipped"] as! [String: Any])["steps"] as! [[String: Any]]
        for (step, g) in zip(torchSteps, (ref["grads"] as! [Any]).prefix(2)) {
            let grads = zip(floats(g), shapes).map { Tensor($0, shape: $1) }
            let norm = GradientClipping.clip(grads, maxNorm: 0.3)
            XCTAssertEqual(norm, Float(step["norm"] as! Double), accuracy: 1e-5)
            for (i, c) in floats(step["clipped_grads"]).enumerated() { assertClose(grads[i].scalars, c, rel: 1e-6) }
            opt.update([("a", params[0], grads[0]), ("b", params[1], grads[1])])
            for (i, p) in floats(step["params"]).enumerated() { assertClose(params[i].scalars, p, rel: 1e-5) }
        }
    }

    func testPagedStoreGivesIdenticalBitsAndStaysInBudget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paged-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Page everything of 50+ elements with room for only one such tensor at a time.
        let store = try PagedStateStore(directory: dir, budgetBytes: 91 * 8, minimumPagedElements: 50)
        let (pagedOpt, pagedParams, _) = runBitsandbytesSteps(store: store)
        XCTAssertEqual(store.isResident(name: "a"), false, "the other tensor's pages are back on disk")
        XCTAssertEqual(store.isResident(name: "b"), true)
        let (plainOpt, plainParams, _) = runBitsandbytesSteps(store: InMemoryStateStore())
        for i in 0..<2 {
            XCTAssertEqual(pagedParams[i].scalars.map(\.bitPattern), plainParams[i].scalars.map(\.bitPattern))
        }
        for name in ["a", "b"] {
            XCTAssertEqual(pagedOpt.state.moments(name: name)!.v.map(\.bitPattern), plainOpt.state.moments(name: name)!.v.map(\.bitPattern))
        }
        XCTAssertLessThanOrEqual(store.residentBytes, 300 * 8)
        XCTAssertGreaterThan(store.evictions, 0)
    }

    /// Four 100-element tensors visited in a loop with room for two: the first step evicts two, and
    /// from then on the last tensor of the loop stays resident (3 evictions a step, Belady's optimum
    /// for a loop; least-recently-used eviction would page all 4 every step).
    func testPagedStoreKeepsPartOfALoopResident() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paged-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try PagedStateStore(directory: dir, budgetBytes: 2 * 100 * 8, minimumPagedElements: 50)
        var perStep: [Int] = []
        for _ in 0..<4 {
            let before = store.evictions
            for name in ["t1", "t2", "t3", "t4"] { store.withMoments(name: name, count: 100) { m, _ in m[0] += 1 } }
            perStep.append(store.evictions - before)
        }
        XCTAssertEqual(perStep, [2, 2, 3, 3])
        XCTAssertEqual(store.isResident(name: "t4"), true)
        XCTAssertEqual(store.moments(name: "t1")?.m[0], 4, "paging keeps the values")
        XCTAssertLessThanOrEqual(store.residentBytes, 2 * 100 * 8)
    }

    func testSchedulesMatchTransformers() {
        for (key, value) in reference["schedules"] as! [String: [String: Any]] {
            let total = value["total"] as! Int
            let warmup = LearningRateSchedule.warmupSteps(ratioOrSteps: value["warmup"] as! Double, totalSteps: total)
            XCTAssertEqual(warmup, value["warmup_steps"] as? Int, key)
            let schedule = LearningRateSchedule(kind: .init(rawValue: value["kind"] as! String)!, baseLearningRate: 2e-4,
                                                warmupSteps: warmup, totalSteps: total)
            for (step, lr) in (value["lrs"] as! [Double]).enumerated() {
                XCTAssertEqual(schedule.learningRate(at: step), lr, accuracy: 1e-15, "\(key) step \(step)")
            }
        }
    }
}
