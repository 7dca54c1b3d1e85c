import Tensor
import TestSupport
import XCTest
@testable import Llama

final class SamplerTests: XCTestCase {
    /// The filtered logits against transformers' TemperatureLogitsWarper, TopKLogitsWarper and
    /// TopPLogitsWarper applied in that order (Scripts/fixtures/llama_sampling.py).
    func testWarpMatchesTransformers() throws {
        for c in try Fixtures.json("sampling_reference.json", in: .module) as! [[String: Any]] {
            let sampler = Sampler(temperature: Float(c["temperature"] as! Double), topK: c["top_k"] as! Int, topP: Float(c["top_p"] as! Double))
            let ours = sampler.warp((c["logits"] as! [Double]).map(Float.init))
            XCTAssertEqual(ours.map(\.isFinite), c["kept"] as! [Bool], "\(c["top_k"]!) \(c["top_p"]!)")
            for (o, t) in zip(ours, c["scores"] as! [Any]) {
                if let t = t as? Double { XCTAssertEqual(o, Float(t), accuracy: 1e-5) }
            }
        }
    }

    func testSamplingIsSeededAndStaysInTheKeptSet() {
        let logits: [Float] = [0, 3, 2.5, -1, 1]
        let sampler = Sampler(temperature: 0.8, topK: 2, topP: 1)
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        let draws = (0..<200).map { _ in sampler.sample(logits, generator: &a) }
        XCTAssertEqual(draws, (0..<200).map { _ in sampler.sample(logits, generator: &b) })
        XCTAssertEqual(Set(draws), [1, 2])
        XCTAssertEqual(Sampler.greedyDecoding.sample(logits, generator: &a), 1)
    }
}
