import Foundation
import Llama
import Tensor
import TestSupport
import XCTest
@testable import QLoRA

/// Training and inference input that used to trap or silently give a broken result: each must
/// throw a named error and write nothing, and the correct input must still train or classify.
final class TrainerBadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func stories260K() throws -> (LlamaModel, Tokenizer) {
        let bin = try SharedAssets.require("models/stories260K/stories260K.bin")
        let tok = try SharedAssets.require("models/stories260K/tok512.bin")
        return (try LlamaModel.load(bin.path), try Tokenizer(contentsOf: tok))
    }

    let data = (0..<4).map { TrainingExample(text: "Once upon a time there was a cat number \($0).", prompt: "", source: "s") }

    func options() -> TrainingOptions {
        var o = TrainingOptions()
        o.maxSteps = 2
        o.saveSteps = 1
        o.optimizer = .adamW32bit
        o.baseQuantization = nil
        o.maxSeqLength = 64
        o.lora = LoRAConfig(r: 4, alpha: 8, dropout: 0)
        return o
    }

    func assertTrainingError(_ body: @autoclosure () throws -> Any, _ expected: TrainingError, mentions words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertEqual(error as? TrainingError, expected, line: line)
            for w in words { XCTAssertTrue("\(error)".contains(w), "\(error) lacks \(w)", line: line) }
        }
    }

    // MARK: item 5: option ranges

    func testOptionsOutsideTheirRangesAreNamed() throws {
        XCTAssertNoThrow(try TrainingOptions().validate())
        let cases: [(String, (inout TrainingOptions) -> Void)] = [
            ("learning_rate", { $0.learningRate = .nan }),
            ("learning_rate", { $0.learningRate = .infinity }),
            ("learning_rate", { $0.learningRate = 0 }),
            ("lora_dropout", { $0.lora.dropout = 1 }),
            ("lora_dropout", { $0.lora.dropout = 2 }),
            ("lora_alpha", { $0.lora.alpha = 0 }),
            ("lora_r", { $0.lora.r = 100_000 }),
            ("max_grad_norm", { $0.maxGradNorm = 0 }),
            ("warmup_ratio", { $0.warmupRatio = 1 }),
            ("num_train_epochs", { $0.numTrainEpochs = .nan }),
            ("num_train_epochs", { $0.numTrainEpochs = 1e300 }),
            ("max_steps", { $0.maxSteps = 0 }),
            ("per_device_train_batch_size", { $0.perDeviceTrainBatchSize = 0 }),
            ("gradient_accumulation_steps", { $0.gradientAccumulationSteps = -1 }),
            ("optimizer_memory_budget", { $0.optimizerMemoryBudget = -1 }),
            ("save_steps", { $0.saveSteps = -1 }),
            ("target_modules", { $0.lora.targetModules = ["q_proj", ""] }),
        ]
        for (name, edit) in cases {
            var o = TrainingOptions()
            edit(&o)
            XCTAssertThrowsError(try o.validate(), name) { error in
                guard case .invalidOption(let got, _, _)? = error as? TrainingError else { return XCTFail("\(error)") }
                XCTAssertEqual(got, name)
                XCTAssertTrue("\(error)".hasPrefix(name + " "), "\(error)")
            }
        }
    }

    func testTrainerRefusesDropoutOfOneInsteadOfTrapping() throws {
        let (model, tokenizer) = try stories260K()
        var o = options()
        o.lora.dropout = 1
        assertTrainingError(try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: o, outputDirectory: dir),
                            .invalidOption(name: "lora_dropout", value: "1.0", requirement: "must be in [0, 1)"), mentions: ["lora_dropout 1.0"])
    }

    // MARK: item 6: rank bounded by the model

    func testRankLargerThanTheLayersIsRefused() throws {
        let (model, tokenizer) = try stories260K()
        var o = options()
        o.lora.r = 100
        XCTAssertThrowsError(try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: o, outputDirectory: dir)) { error in
            guard case .rankTooLarge(100, let module, let limit)? = error as? TrainingError, let layer = model.linears[module] else { return XCTFail("\(error)") }
            XCTAssertEqual(limit, min(layer.inFeatures, layer.outFeatures))
            XCTAssertLessThan(limit, 100)
            XCTAssertTrue("\(error)".contains("lora_r 100"), "\(error)")
        }
    }

    // MARK: item 8: a target module that matches nothing

    func testTargetModuleMatchingNothingIsRefused() throws {
        let (model, tokenizer) = try stories260K()
        var o = options()
        o.lora.targetModules = ["q_proj", "bogus"]
        assertTrainingError(try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: o, outputDirectory: dir),
                            .unknownTargetModule(name: "bogus", valid: ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]),
                            mentions: ["bogus", "q_proj", "down_proj"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("adapter_model.safetensors").path))
        o.lora.targetModules = ["q_proj", "model.layers.0.mlp.up_proj"]
        let summary = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: o, outputDirectory: dir).run(resume: false)
        XCTAssertEqual(summary.steps, 2)
        XCTAssertEqual(try LoRAAdapter.load(directory: dir).modules.count, model.config.numLayers + 1)
    }

    // MARK: item 4: examples longer than the context

    func testExampleLongerThanTheContextIsRefusedNotTrapped() throws {
        let (model, tokenizer) = try stories260K()
        let long = [TrainingExample(text: String(repeating: "Once upon a time there was a cat. ", count: 120), prompt: "", source: "s")]
        XCTAssertGreaterThan(tokenizer.encode(long[0].text, addBOS: true).count, 512)
        var o = options()
        o.maxSeqLength = 2048
        XCTAssertThrowsError(try Trainer(model: model, tokenizer: tokenizer, train: data + long, validation: [], options: o, outputDirectory: dir)) { error in
            guard case .exampleTooLong("training", 4, let tokens, 512)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(tokens, 512)
            XCTAssertTrue("\(error)".contains("max_seq_length"), "\(error)")
        }
        // Clamped to the context, as `qlora train` does, the same data trains.
        o.maxSeqLength = model.config.maxPositions
        o.maxSteps = 1
        XCTAssertEqual(try Trainer(model: model, tokenizer: tokenizer, train: long, validation: [], options: o, outputDirectory: dir).run(resume: false).steps, 1)
    }

    // MARK: item 7: a non-finite loss

    func testNonFiniteLossStopsAtTheFirstStepAndWritesNoAdapter() throws {
        let (model, tokenizer) = try stories260K()
        var weights = model.tensors
        for (path, layer) in model.linears { weights[path + ".weight"] = (layer as! DenseLinear).weight }
        let norm = "model.norm.weight"
        let broken = weights[norm]!.contiguous() * 1
        broken.withUnsafeMutableBufferPointer { $0[3] = .infinity }
        weights[norm] = broken
        let nanModel = try LlamaModel(config: model.config, weights: weights, file: "inf")
        let trainer = try Trainer(model: nanModel, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: dir)
        XCTAssertThrowsError(try trainer.run(resume: false)) { error in
            guard case .nonFinite(1, let loss, _)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertFalse(loss.isFinite)
            XCTAssertTrue("\(error)".hasPrefix("step 1: "), "\(error)")
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(written, [], "a failed run wrote \(written)")
        // The same run on the intact model writes its adapter.
        let good = dir.appendingPathComponent("good")
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: good).run(resume: false)
        XCTAssertTrue(FileManager.default.fileExists(atPath: good.appendingPathComponent("adapter_model.safetensors").path))
    }

    // MARK: item 10: statements and adapter names

    func testEmptyStatementAndRepeatedAdapterNameAreRefused() throws {
        let (model, tokenizer) = try stories260K()
        let adapter = TrainableLoRA(model: model, config: LoRAConfig(r: 2, alpha: 2), seed: 1).adapter
        let adapterDir = dir.appendingPathComponent("a")
        try adapter.save(to: adapterDir)
        XCTAssertThrowsError(try LoRAAdapter.loadNamed(["a=\(adapterDir.path)", "b=\(adapterDir.path)", "a=\(adapterDir.path)"])) { error in
            XCTAssertEqual((error as? AdapterError)?.field, "--adapter")
            XCTAssertTrue("\(error)".contains("the name a is given twice"), "\(error)")
        }
        let adapters = try LoRAAdapter.loadNamed(["a=\(adapterDir.path)", "b=\(adapterDir.path)"])
        let classifier = try ExplainedClassifier(model: model, tokenizer: tokenizer, mixer: AdapterMixer(model: model, adapters: adapters), router: nil,
                                                 embedder: BaseModelEmbedder(model: model, tokenizer: tokenizer))
        classifier.promptStyle = .compact
        let options = GenerationOptions(maxNewTokens: 2, sampler: .greedyDecoding)
        for blank in ["", "   ", "\n\t "] {
            XCTAssertThrowsError(try classifier.classify(blank, mode: .linear, options: options)) { error in
                XCTAssertEqual(error as? StatementError, .empty, "\(error)")
                XCTAssertTrue("\(error)".contains("empty"), "\(error)")
            }
        }
        XCTAssertEqual(try classifier.classify("a cat", mode: .linear, options: options).answers.count, 1)
    }
}
