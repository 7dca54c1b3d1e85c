import Foundation
import Llama
import XCTest
@testable import QLoRA

/// Issue 17: what a resume must refuse or recover from, and the temporaries a dead run leaves.
extension TrainerTests {
    /// Above Linux's largest pid_max, so no process has it.
    var deadPID: Int32 { 99_999_999 }

    func interruptedRun(_ data: [TrainingExample], stopAfter: Int) throws -> URL {
        let (model, tokenizer) = try setUpModel()
        let out = temp()
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: out)
        trainer.stopAfterStep = stopAfter
        _ = try trainer.run(resume: false)
        return out
    }

    func resume(_ out: URL, data: [TrainingExample], lines: inout [String]) throws -> TrainingSummary {
        let (model, tokenizer) = try setUpModel()
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: out)
        var collected: [String] = []
        trainer.report = { collected.append($0) }
        defer { lines = collected }
        return try trainer.run(resume: true)
    }

    func testResumeWithTheSameRecordsInAnotherOrderIsRefused() throws {
        let data = examples(4, seed: 3)
        let out = try interruptedRun(data, stopAfter: 2)
        defer { try? FileManager.default.removeItem(at: out) }
        var lines: [String] = []
        XCTAssertThrowsError(try resume(out, data: data.reversed(), lines: &lines)) { error in
            XCTAssertEqual((error as? AdapterError)?.field, "fingerprint", "\(error)")
        }
    }

    func testTamperedGlobalStepBeyondMaxStepsIsRefused() throws {
        let data = examples(4, seed: 3)
        let out = try interruptedRun(data, stopAfter: 2)
        defer { try? FileManager.default.removeItem(at: out) }
        // Both an edited step in checkpoint-2 and a folder renamed to match the edited step.
        for folder in ["checkpoint-2", "checkpoint-1000"] {
            if folder != "checkpoint-2" {
                try FileManager.default.moveItem(at: out.appendingPathComponent("checkpoint-2"), to: out.appendingPathComponent(folder))
            }
            let state = out.appendingPathComponent(folder).appendingPathComponent("trainer_state.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as! [String: Any]
            json["global_step"] = 1000
            try JSONSerialization.data(withJSONObject: json).write(to: state)
            var lines: [String] = []
            XCTAssertThrowsError(try resume(out, data: data, lines: &lines), folder) { error in
                XCTAssertEqual((error as? AdapterError)?.field, "global_step", "\(folder): \(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("adapter_model.safetensors").path), folder)
        }
    }

    func testCorruptLatestCheckpointFallsBackToThePreviousOne() throws {
        let (model, tokenizer) = try setUpModel()
        let data = examples(4, seed: 3)
        let whole = temp()
        defer { try? FileManager.default.removeItem(at: whole) }
        _ = try Trainer(model: model, tokenizer: tokenizer, train: data, validation: [], options: options(), outputDirectory: whole).run(resume: false)
        let out = try interruptedRun(data, stopAfter: 4)
        defer { try? FileManager.default.removeItem(at: out) }
        let corrupt = out.appendingPathComponent("checkpoint-4/adapter_model.safetensors")
        try Data(try Data(contentsOf: corrupt).prefix(100)).write(to: corrupt)
        var lines: [String] = []
        let summary = try resume(out, data: data, lines: &lines)
        XCTAssertEqual(summary.steps, 6)
        XCTAssertTrue(lines.contains { $0.hasPrefix("cannot resume from checkpoint-4") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("falling back to checkpoint-2") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("resuming from checkpoint-2 at step 2") }, "\(lines)")
        XCTAssertEqual(try adapterBytes(whole), try adapterBytes(out))
    }

    func testStaleTemporariesOfDeadRunsAreRemovedAtTheStartOfARun() throws {
        let (model, tokenizer) = try setUpModel()
        let out = temp()
        defer { try? FileManager.default.removeItem(at: out) }
        let fm = FileManager.default
        let staleCheckpoint = out.appendingPathComponent(".checkpoint-2.tmp-\(deadPID)")
        try fm.createDirectory(at: staleCheckpoint, withIntermediateDirectories: true)
        try Data("partial".utf8).write(to: staleCheckpoint.appendingPathComponent("adapter_model.safetensors"))
        try fm.createDirectory(at: out.appendingPathComponent("best"), withIntermediateDirectories: true)
        let stale = [".adapter_model.safetensors.tmp-\(deadPID)-123456", "best/.adapter_config.json.tmp-\(deadPID)-7"]
        // A live writer's temporary (this process) and files that only look similar stay.
        let kept = [".adapter_model.safetensors.tmp-\(getpid())-42", ".notes.tmp-abc", "notes.tmp-\(deadPID)"]
        for name in stale + kept { try Data("x".utf8).write(to: out.appendingPathComponent(name)) }
        var o = options()
        o.maxSteps = 1
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: examples(4, seed: 3), validation: [], options: o, outputDirectory: out)
        var lines: [String] = []
        trainer.report = { lines.append($0) }
        _ = try trainer.run(resume: false)
        XCTAssertFalse(fm.fileExists(atPath: staleCheckpoint.path))
        for name in stale { XCTAssertFalse(fm.fileExists(atPath: out.appendingPathComponent(name).path), name) }
        for name in kept { XCTAssertTrue(fm.fileExists(atPath: out.appendingPathComponent(name).path), name) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("removed ") }.count, 3, "\(lines)")
    }

    /// A full disk, simulated with a file-size limit: the checkpoint write fails and leaves no temporary.
    func testFailingCheckpointWriteLeavesNoTemporaries() throws {
        let (model, tokenizer) = try setUpModel()
        let out = temp()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = options()
        o.saveSteps = 1
        let trainer = try Trainer(model: model, tokenizer: tokenizer, train: examples(4, seed: 3), validation: [], options: o, outputDirectory: out)
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        // Past the limit write() fails with EFBIG instead of raising SIGXFSZ.
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = saved
        limit.rlim_cur = 4096
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit), 0)
        XCTAssertThrowsError(try trainer.run(resume: false))
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        signal(SIGXFSZ, previousHandler)
        let left = FileManager.default.enumerator(atPath: out.path)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        XCTAssertEqual(left, [])
    }
}
