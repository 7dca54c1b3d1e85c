import Autograd
import Foundation
import Tensor
import XCTest
@testable import Llama

/// Full-parameter training: gradients of every weight against central finite differences,
/// saving as a Hugging Face directory, and a short run that learns.
final class PretrainingTests: XCTestCase {
    let config = LlamaConfig(hiddenSize: 8, intermediateSize: 12, numLayers: 2, numHeads: 2, numKVHeads: 1, vocabSize: 11, maxPositions: 16)

    /// Stands in for the linear layers with the variables under test.
    struct Linears: LinearProvider {
        let weights: [String: Variable]
        func apply(_ path: String, _ x: Variable) -> Variable { x.linear(weights[path + ".weight"]!) }
    }

    func testGradientsOfEveryWeightMatchFiniteDifferences() {
        let model = TrainableLlama(config: config, seed: 3, std: 0.5)
        let names = model.parameters.map(\.name)
        XCTAssertEqual(Set(names), Set(config.expectedShapes().keys))
        let ids = [[1, 4, 7, 2, 9, 3], [1, 5, 5, 8, 2, 2]]
        let mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]
        let labels = [[1, 4, 7, 2, 9, 3], [1, 5, 5, 8, -100, -100]]
        let result = gradientCheck(model.parameters.map(\.variable.value), eps: 1e-2, rtol: 2e-2, atol: 2e-3) { vars in
            let weights = Dictionary(uniqueKeysWithValues: zip(names, vars))
            let logits = model.model.forward(ids, attentionMask: mask, linears: Linears(weights: weights), parameters: weights)
            return CausalLMLoss.loss(logits: logits, labels: labels)
        }
        XCTAssertTrue(result.passed, result.description)
    }

    func testTrainedVariablesReceiveGradientsThroughTheModel() {
        let model = TrainableLlama(config: config, seed: 1)
        CausalLMLoss.loss(logits: model.forward([[1, 3, 5, 7]]), labels: [[1, 3, 5, 7]]).backward()
        for (name, v) in model.parameters {
            XCTAssertNotNil(v.grad, name)
            XCTAssertGreaterThan(v.grad.map { $0.scalars.map(abs).max()! } ?? 0, 0, name)
        }
    }

    func testInitialisationIsTransformers() {
        let model = TrainableLlama(config: LlamaConfig(hiddenSize: 64, intermediateSize: 128, numLayers: 1, numHeads: 4, numKVHeads: 2, vocabSize: 300), seed: 5)
        let embedding = model.variables["model.embed_tokens.weight"]!.value.scalars
        let mean = embedding.reduce(0, +) / Float(embedding.count)
        let std = (embedding.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(embedding.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.001)
        XCTAssertEqual(mean, 0, accuracy: 0.001)
        XCTAssertEqual(Set(model.variables["model.norm.weight"]!.value.scalars), [1])
    }

    func testSavedDirectoryLoadsWithTheSameLogits() throws {
        let model = TrainableLlama(config: config, seed: 2, std: 0.3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pretrained-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let loaded = try HuggingFaceLoader.load(directory: dir)
        XCTAssertEqual(loaded.config, config)
        let ids = [1, 6, 2, 9, 4]
        XCTAssertEqual(loaded.logits(ids).scalars, model.model.logits(ids).scalars)
        XCTAssertEqual(model.model.logits(ids).scalars, noGrad { model.forward([ids]).value.scalars })
    }

    func testShortRunLearnsARepeatingSequence() {
        let model = TrainableLlama(config: config, seed: 4)
        var options = Pretraining.Options()
        options.steps = 200
        options.batchSize = 2
        options.learningRate = 2e-2
        options.warmupSteps = 5
        let losses = Pretraining.train(model, sequences: [[1, 3, 4, 5, 6, 3, 4, 5, 6], [1, 7, 8, 9, 7, 8]], options: options)
        XCTAssertGreaterThan(losses[0], 2)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, 0.5)
        XCTAssertEqual(try model.model.generate(prompt: [1, 3, 4], options: GenerationOptions(maxNewTokens: 3, sampler: Sampler(greedy: true))).first, [5, 6, 3])
    }
}
