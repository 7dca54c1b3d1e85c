import Foundation
import Llama
import Tensor

/// Everything needed to continue a run exactly: the adapter, the optimizer's moments and step,
/// the dropout generator's state and the log so far. The data position follows from the step.
struct TrainerCheckpoint {
    var step: Int
    var dropoutState: [UInt64]
    var history: [TrainingLogEntry]
    var fingerprint: String
    /// The optimizer state read from a checkpoint (empty for one about to be written).
    var moments: [(name: String, m: [Float], v: [Float])] = []
    var optimizerStep: Int?

    static let prefix = "checkpoint-"

    /// Writes `checkpoint-<step>` into `directory`: built in a temporary folder, then renamed into
    /// place, so a killed run never leaves a half-written checkpoint. A failed write (a full disk)
    /// removes the temporary folder; one a killed run left is swept by `StaleTemporaries`.
    func write(adapter: LoRAAdapter, optimizer: AdamW, names: [String], to directory: URL) throws {
        let temp = directory.appendingPathComponent(".\(Self.prefix)\(step).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try write(adapter: adapter, optimizer: optimizer, names: names, temp: temp,
                      final: directory.appendingPathComponent("\(Self.prefix)\(step)"))
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    private func write(adapter: LoRAAdapter, optimizer: AdamW, names: [String], temp: URL, final: URL) throws {
        try? FileManager.default.removeItem(at: temp)
        try adapter.save(to: temp)
        var items: [SafeTensorsWriter.Item] = []
        for name in names {
            guard let (m, v) = optimizer.state.moments(name: name) else { continue }
            items.append(.init(name: name + ".exp_avg", tensor: Tensor(m, shape: [m.count])))
            items.append(.init(name: name + ".exp_avg_sq", tensor: Tensor(v, shape: [v.count])))
        }
        try SafeTensorsWriter.write(items, metadata: ["step": String(optimizer.step)], to: temp.appendingPathComponent("optimizer.safetensors"))
        let state: [String: Any] = [
            "global_step": step, "dropout_rng": dropoutState.map { String($0) }, "fingerprint": fingerprint,
            "log_history": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(history))) ?? [],
        ]
        try writeAtomically(try JSONSerialization.data(withJSONObject: state, options: [.sortedKeys, .prettyPrinted]),
                            to: temp.appendingPathComponent("trainer_state.json"))
        try? FileManager.default.removeItem(at: final)
        try FileManager.default.moveItem(at: temp, to: final)
    }

    /// The checkpoints in `directory`, highest step first.
    static func all(in directory: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), let n = Int(name.dropFirst(prefix.count)) else { return nil }
            return (n, directory.appendingPathComponent(name))
        }.sorted { $0.0 > $1.0 }
    }

    /// Reads a checkpoint and its adapter. The optimizer is untouched until `restore(into:)`, so a
    /// corrupt checkpoint can be passed over for an earlier one.
    /// - Throws: `AdapterError` naming the file and field that could not be read.
    static func read(_ url: URL) throws -> (TrainerCheckpoint, LoRAAdapter) {
        let adapter = try LoRAAdapter.load(directory: url)
        let stateURL = url.appendingPathComponent("trainer_state.json")
        guard let data = try? Data(contentsOf: stateURL), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let step = json["global_step"] as? Int, let rng = json["dropout_rng"] as? [String], rng.count == 4,
              let fingerprint = json["fingerprint"] as? String else {
            throw AdapterError(file: stateURL.path, field: "trainer_state", message: "missing or malformed (global_step, dropout_rng, fingerprint)")
        }
        let dropout = rng.compactMap { UInt64($0) }
        guard dropout.count == 4 else {
            throw AdapterError(file: stateURL.path, field: "dropout_rng", message: "not four unsigned 64-bit integers")
        }
        let historyData = try JSONSerialization.data(withJSONObject: json["log_history"] ?? [])
        let history = (try? JSONDecoder().decode([TrainingLogEntry].self, from: historyData)) ?? []
        let optURL = url.appendingPathComponent("optimizer.safetensors")
        var checkpoint = TrainerCheckpoint(step: step, dropoutState: dropout, history: history, fingerprint: fingerprint)
        do {
            let file = try SafeTensorsFile(path: optURL.path)
            for name in file.names where name.hasSuffix(".exp_avg") {
                let base = String(name.dropLast(".exp_avg".count))
                checkpoint.moments.append((base, try file.tensor(name).scalars, try file.tensor(base + ".exp_avg_sq").scalars))
            }
            checkpoint.optimizerStep = Int(file.metadata["step"] ?? "") ?? step
        } catch let e as FormatError {
            throw AdapterError(file: e.file, field: e.field, message: e.message)
        }
        return (checkpoint, adapter)
    }

    /// Puts the checkpoint's moments and step into `optimizer`.
    func restore(into optimizer: AdamW) {
        for (name, m, v) in moments { optimizer.state.setMoments(name: name, m: m, v: v) }
        optimizer.restore(step: optimizerStep ?? step)
    }
}
