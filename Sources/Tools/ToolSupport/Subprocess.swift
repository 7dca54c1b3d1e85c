import Foundation

/// What a finished child process left: its exit status and its standard output.
public struct SubprocessResult: Sendable {
    public let status: Int32
    public let output: String
}

/// Runs `tool` (looked up on PATH) with `arguments`, the current environment plus `environment`;
/// nil when it cannot be launched. Standard error is discarded, or with `captureErrors` appended to
/// the output. The benchmark commands use it to run their outside references (llama2.c's `run.c`,
/// PyTorch + PEFT), and the model fetch to run pip.
public func runSubprocess(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                          captureErrors: Bool = false) -> SubprocessResult? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = captureErrors ? pipe : FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return SubprocessResult(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
}
