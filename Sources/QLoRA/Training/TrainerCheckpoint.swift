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

    static let prefix = "checkpoint-"

    /// Writes `checkpoint-<step>` into `directory`: built in a temporary folder, then renamed into
    /// place, so a killed run never leaves a half-written checkpoint.
    func write(adapter: LoRAAdapter, optimizer: AdamW, names: [String], to directory: URL) throws {
        let final = directory.appendingPathComponent("\(Self.prefix)\(step)")
        let temp = directory.appendingPathComponent(".\(Self.prefix)\(step).tmp-\(ProcessInfo.processInfo.processIdentifier)")
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

    /// The checkpoint with the highest step in `directory`, if any.
    static func latest(in directory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), let n = Int(name.dropFirst(prefix.count)) else { return nil }
            return (n, name)
        }.max { $0.0 < $1.0 }.map { directory.appendingPathComponent($0.1) }
    }

    /// Reads a checkpoint, restoring the optimizer in place; returns the state and the adapter.
    static func read(_ url: URL, optimizer: AdamW) throws -> (TrainerCheckpoint, LoRAAdapter) {
        let adapter = try LoRAAdapter.load(directory: url)
        let stateURL = url.appendingPathComponent("trainer_state.json")
        guard let data = try? Data(contentsOf: stateURL), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let step = json["global_step"] as? Int, let rng = json["dropout_rng"] as? [String], rng.count == 4,
              let fingerprint = json["fingerprint"] as? String else {
            throw AdapterError(file: stateURL.path, field: "trainer_state", message: "missing or malformed (global_step, dropout_rng, fingerprint)")
        }
        let historyData = try JSONSerialization.data(withJSONObject: json["log_history"] ?? [])
        let history = (try? JSONDecoder().decode([TrainingLogEntry].self, from: historyData)) ?? []
        let optURL = url.appendingPathComponent("optimizer.safetensors")
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: optURL.path) } catch let e as FormatError {
            throw AdapterError(file: e.file, field: e.field, message: e.message)
        }
        for name in file.names where name.hasSuffix(".exp_avg") {
            let base = String(name.dropLast(".exp_avg".count))
            optimizer.state.setMoments(name: base, m: try file.tensor(name).scalars, v: try file.tensor(base + ".exp_avg_sq").scalars)
        }
        optimizer.restore(step: Int(file.metadata["step"] ?? "") ?? step)
        return (TrainerCheckpoint(step: step, dropoutState: rng.compactMap { UInt64($0) }, history: history, fingerprint: fingerprint), adapter)
    }
}
