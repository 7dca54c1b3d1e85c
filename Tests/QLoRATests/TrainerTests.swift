import Foundation
import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// Training runs on stories260K (a real trained Llama) with its tokenizer.
final class TrainerTests: XCTestCase {
    func setUpModel() throws -> (LlamaModel, Tokenizer) {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let tok = try SharedAssets.require("models/stories260K/tok512.bin")
        return (try LlamaModel.load(bin.path), try Tokenizer(contentsOf: tok))
    }

    func examples(_ n: Int, seed: UInt64) -> [TrainingExample] {
        SyntheticCorpus.generate(perSource: n, seed: seed).map {
            TrainingExample(text: "\($0.statement) -> \($0.label.rawValue)", prompt: $0.statement + " -> ", source: $0.source)
        }
    }

    func options(_ optimizer: TrainingOptions.Optimizer = .adamW32bit) -> TrainingOptions {
        var o = TrainingOptions()
        o.perDeviceTrainBatchSize = 2
        o.gradientAccumulationSteps = 2
        o.maxSteps = 6
        o.saveSteps = 2
        o.learningRate = 3e-3
        o.lora = LoRAConfig(r: 4, alpha: 8, dropout: 0.1)
        o.maxSeqLength = 48
        o.optimizer = optimizer
        o.optimizerMemoryBudget = 4096
        o.pagedMinimumElements = 256
        o.baseQuantization = nil
        return o
    }

    func temp() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString)") }

    func adapterBytes(_ dir: URL) throws -> Data { try Data(contentsOf: dir.appendingPathComponent("adapter_model.safetensors")) }

    func testKilledAndResumedRunEndsWithIdenticalAdapterBytes() throws {
        let (model, tokenizer) = try setUpModel()
        let data = examples(4, seed: 3)
        let whole = temp(), interrupted = temp()
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: whole).run(resume: false)

        let first = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: interrupted)
        first.stopAfterStep = 3
        _ = try first.run(resume: false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("adapter_model.safetensors").path))
        let resumed = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: interrupted)
        var lines: [String] = []
        resumed.report = { lines.append($0) }
        let summary = try resumed.run(resume: true)
        XCTAssertEqual(summary.steps, 6)
        XCTAssertTrue(lines.first?.contains("resuming from checkpoint-2") ?? false, "\(lines)")
        XCTAssertEqual(try adapterBytes(whole), try adapterBytes(interrupted))
    }

    func testPagedOptimizerGivesTheSameAdapter() throws {
        let (model, tokenizer) = try setUpModel()
        let data = examples(4, seed: 5)
        let plain = temp(), paged = temp()
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: plain).run(resume: false)
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(.pagedAdamW32bit), outputDirectory: paged).run(resume: false)
        XCTAssertEqual(try adapterBytes(plain), try adapterBytes(paged))
    }

    /// The QLoRA default: the base goes NF4 with double quantization, and the gradient still
    /// flows through the 4-bit layers (an adapter trained on it differs from the fp32-base one but
    /// lowers the loss all the same).
    func testTrainsOnAnNF4Base() throws {
        let (model, tokenizer) = try setUpModel()
        var o = options()
        o.baseQuantization = .nf4
        o.maxSteps = 12
        o.saveSteps = 0
        o.lora = LoRAConfig(r: 8, alpha: 16, dropout: 0)
        let data = examples(8, seed: 4)
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: data, options: o, outputDirectory: temp())
        XCTAssertEqual(trainer.model.linears.values.filter { $0 is QuantizedLinear }.count, model.linears.count)
        let before = trainer.validationLoss(TrainableLoRA(model: trainer.model, config: o.lora, seed: o.seed))!
        let summary = try trainer.run(resume: false)
        XCTAssertLessThan(summary.validationLoss!, before * 0.9, "validation loss \(before) -> \(summary.validationLoss!)")
    }

    func testGradientCheckpointingGivesTheSameAdapter() throws {
        let (model, tokenizer) = try setUpModel()
        let data = examples(4, seed: 6)
        var checkpointed = options()
        checkpointed.gradientCheckpointing = true
        let plain = temp(), saved = temp()
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: plain).run(resume: false)
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: checkpointed, outputDirectory: saved).run(resume: false)
        XCTAssertEqual(try adapterBytes(plain), try adapterBytes(saved))
    }

    func testValidationLossFallsAndArtifactsAreWritten() throws {
        let (model, tokenizer) = try setUpModel()
        var o = options()
        o.maxSteps = 30
        o.saveSteps = 0
        o.evalSteps = 10
        o.lora = LoRAConfig(r: 8, alpha: 16, dropout: 0)
        o.completionOnly = true
        let out = temp()
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: examples(12, seed: 1), validation: examples(4, seed: 2), options: o, outputDirectory: out)
        let before = trainer.validationLoss(TrainableLoRA(model: model, config: o.lora, seed: o.seed))!
        let summary = try trainer.run(resume: false)
        XCTAssertLessThan(summary.validationLoss!, before * 0.8, "validation loss \(before) -> \(summary.validationLoss!)")
        for file in ["adapter_model.safetensors", "adapter_config.json", "training_log.jsonl", "loss_curve.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let log = try String(contentsOf: out.appendingPathComponent("training_log.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("eval_loss") }.count, 4, "step 0, 10, 20 and 30")
        XCTAssertNoThrow(try LoRAAdapter.load(directory: out).validate(against: model, name: "trained"))
    }

    /// A learning rate far too high makes the validation loss climb after its first fall: training
    /// stops after `patience` evaluations without a new best, and the adapter written is the best
    /// one (its validation loss, recomputed from the file, is the lowest the log holds).
    func testEarlyStoppingKeepsTheBestAdapter() throws {
        let (model, tokenizer) = try setUpModel()
        var o = options()
        o.maxSteps = 40
        o.saveSteps = 0
        o.evalSteps = 2
        o.earlyStoppingPatience = 2
        o.learningRate = 0.3
        o.warmupRatio = 0
        o.lora = LoRAConfig(r: 8, alpha: 16, dropout: 0)
        o.completionOnly = true
        let out = temp()
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: examples(12, seed: 1), validation: examples(4, seed: 2), options: o, outputDirectory: out)
        let summary = try trainer.run(resume: false)
        let log = try String(contentsOf: out.appendingPathComponent("training_log.jsonl"), encoding: .utf8)
        let losses = log.split(separator: "\n").compactMap { line -> Double? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["eval_loss"] as? Double
        }
        XCTAssertLessThan(summary.steps, 40, "no early stop; validation losses \(losses)")
        let best = try XCTUnwrap(losses.min())
        XCTAssertEqual(losses.count - 1 - losses.firstIndex(of: best)!, 2, "stopped two evaluations after the best: \(losses)")
        let kept = try trainer.validationLoss(TrainableLoRA(model: model, adapter: LoRAAdapter.load(directory: out)))!
        XCTAssertEqual(kept, best, accuracy: 1e-4 * best)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("best").path))
    }
}
