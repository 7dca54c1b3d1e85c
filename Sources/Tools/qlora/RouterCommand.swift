import ArgumentParser
import Foundation
import ToolSupport
import Llama
import QLoRA
import Tensor

struct RouterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "router", abstract: "Train the router that weights the source adapters.",
                                                    subcommands: [TrainRouter.self])

    struct TrainRouter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Fit the router (embedding -> 8 -> ReLU -> adapters, softmax) on statements labelled with their source.")

        @Option(name: both("model"), help: "Base model whose mean-pooled hidden state embeds the statements.") var model: String
        @Option(name: both("tokenizer")) var tokenizer: String?
        @Option(name: both("data_path"), help: "Records with `statement` and `source` (JSON array or JSONL).") var dataPath: String
        @Option(name: both("sources"), help: "Comma-separated adapter names in router order; by default the sources in the data, sorted.") var sources: String?
        @Option(name: both("hidden")) var hidden = 8
        @Option(name: both("epochs")) var epochs = 300
        @Option(name: both("learning_rate")) var learningRate = 1e-2
        @Option(name: both("seed")) var seed: UInt64 = 0
        @Option(name: both("out")) var out: String

        func run() throws {
            try userFacing {
                let (base, tok) = try loadModel(model, tokenizer: tokenizer)
                let records = try SourceLabelledStatements.load(URL(fileURLWithPath: dataPath))
                let names = sources.map { $0.split(separator: ",").map(String.init) } ?? Array(Set(records.map(\.source))).sorted()
                let kept = records.filter { names.contains($0.source) }
                guard !kept.isEmpty else { throw ToolError("\(dataPath): no statements from the sources \(names.joined(separator: ", "))") }
                note("embedding \(kept.count) statements with the base model")
                let embeddings = try BaseModelEmbedder(model: base, tokenizer: tok).embed(kept.map(\.statement))
                var router = Router(adapterNames: names, dimension: base.config.hiddenSize, hidden: hidden, seed: seed)
                let losses = RouterTraining.train(&router, embeddings: embeddings, labels: kept.map { names.firstIndex(of: $0.source)! },
                                                  options: .init(epochs: epochs, learningRate: learningRate))
                let predicted = try router.probabilities(embeddings).argmax(axis: 1)
                let accuracy = Double(zip(predicted, kept).filter { names[$0] == $1.source }.count) / Double(kept.count)
                try router.save(to: URL(fileURLWithPath: out))
                note(String(format: "loss %.4f -> %.4f, training accuracy %.3f; router written to %@", losses.first ?? 0, losses.last ?? 0, accuracy, out))
            }
        }
    }
}

/// Statements with the source they come from, read from training records.
enum SourceLabelledStatements {
    static func load(_ url: URL) throws -> [(statement: String, source: String)] {
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self)
        let objects: [Any]
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else { throw ToolError("\(url.path): not a valid JSON array") }
            objects = array
        } else {
            objects = try text.split(separator: "\n").enumerated().compactMap { i, line in
                if line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { throw ToolError("\(url.path): line \(i + 1): not valid JSON") }
                return o
            }
        }
        return try objects.enumerated().map { i, o in
            guard let d = o as? [String: Any], let s = d["statement"] as? String, let source = d["source"] as? String else {
                throw ToolError("\(url.path): record \(i + 1): needs string fields 'statement' and 'source'")
            }
            return (s, source)
        }
    }
}
