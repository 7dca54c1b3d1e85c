import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Llama

/// stories260K quantized to 4 bits against golden.json's fp32 logits (computed independently and
/// cross-checked with llama2.c) and against bitsandbytes' own 4-bit stories260K
/// (stories260K_bnb4_reference.json, Scripts/fixtures/quant_model.py).
///
/// Measured (logits input of golden.json, 3 x 512 logits spanning -12..18): NF4 + double quant
/// max |logit error| 2.494, RMS 0.517; FP4 3.382, RMS 0.897; bitsandbytes gives the same numbers.
/// Greedy generation from BOS agrees with fp32 on all of the first 20 tokens for both.
final class Stories260KQuantizedTests: XCTestCase {
    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func testQuantizedLogitsAndGreedyGenerationMatchBitsAndBytes() throws {
        let golden = try json(SharedAssets.require("models/stories260K/golden.json"))
        let bnb = try json(Fixtures.url("stories260K_bnb4_reference.json", in: .module))
        let model = try LlamaModel.load(SharedAssets.require("models/stories260K/stories260K.bin").path)
        let tokenizer = try Tokenizer(contentsOf: SharedAssets.require("models/stories260K/tok512.bin"))
        let logits = golden["logits"] as! [String: Any]
        let ids = logits["input_ids"] as! [Int]
        let fp32 = (logits["values"] as! [[Double]]).flatMap { $0.map(Float.init) }
        let fp32Greedy = Array((golden["greedy_from_bos"] as! [String: Any])["generated_ids"] as! [Int]).prefix(20)
        for (type, double) in [(QuantType.nf4, true), (.fp4, false)] {
            let reference = bnb[type.rawValue] as! [String: Any]
            let q = try model.quantized(type: type, blocksize: 64, doubleQuant: double)
            let errors = zip(q.logits(ids).scalars, fp32).map { abs($0 - $1) }
            let worst = errors.max()!
            let rms = (errors.map { $0 * $0 }.reduce(0, +) / Float(errors.count)).squareRoot()
            let out = try q.generate(prompt: [1], options: GenerationOptions(maxNewTokens: 20, sampler: .greedyDecoding, stopAtEOS: false))[0]
            let agreeing = zip(out, fp32Greedy).filter { $0 == $1 }.count
            let text = tokenizer.decode(out)
            print("stories260K \(type.rawValue) (double quant \(double)): max |logit error| \(worst), RMS \(rms); greedy agrees with fp32 on \(agreeing)/20: \(text)")
            XCTAssertEqual(worst, Float((reference["max_abs_logit_error"] as! Double)), accuracy: 1e-3, type.rawValue)
            XCTAssertEqual(rms, Float((reference["rms_logit_error"] as! Double)), accuracy: 1e-3, type.rawValue)
            XCTAssertLessThan(worst, type == .nf4 ? 2.6 : 3.5, type.rawValue)
            XCTAssertEqual(out, reference["greedy_from_bos"] as! [Int], type.rawValue)
            XCTAssertGreaterThanOrEqual(agreeing, 18, "\(type.rawValue): \(text)")
            XCTAssertTrue(text.hasPrefix("Once upon a time, there was a little girl named Lily."), "\(type.rawValue): \(text)")
        }
    }

    /// A 4-bit copy of the output head serves single rows only: a prompt's logits (several rows)
    /// stay those of the fp32 head bit for bit, and greedy decoding through the copy still follows
    /// golden.json's fp32 continuation (llama2.c).
    func testDecodeHeadChangesOnlySingleRowLogits() throws {
        let golden = try json(SharedAssets.require("models/stories260K/golden.json"))
        let model = try LlamaModel.load(SharedAssets.require("models/stories260K/stories260K.bin").path)
        let withHead = try model.withDecodeHead()
        XCTAssertNotNil(withHead.decodeHead)
        let ids = (golden["logits"] as! [String: Any])["input_ids"] as! [Int]
        XCTAssertEqual(withHead.logits(ids).scalars, model.logits(ids).scalars, "several rows take the fp32 head")
        let single = withHead.logits([ids[0]]).scalars, exact = model.logits([ids[0]]).scalars
        XCTAssertNotEqual(single, exact, "one row takes the 4-bit copy")
        let worst = zip(single, exact).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 0.1 * exact.map(abs).max()!, "4-bit head error \(worst)")
        let fp32Greedy = Array((golden["greedy_from_bos"] as! [String: Any])["generated_ids"] as! [Int]).prefix(20)
        let out = try withHead.generate(prompt: [1], options: GenerationOptions(maxNewTokens: 20, sampler: .greedyDecoding, stopAtEOS: false))[0]
        XCTAssertGreaterThanOrEqual(zip(out, fp32Greedy).filter { $0 == $1 }.count, 18, "\(out) vs \(Array(fp32Greedy))")
    }
}
