import ArgumentParser
import Foundation
import Llama
import ToolSupport
import QLoRA

/// Runs `body`, turning thrown errors into `ToolError`s with their message.
func userFacing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ToolError { throw e } catch let e as ValidationError { throw e } catch {
        throw ToolError("\(error)")
    }
}


/// `NAME=DIR` pairs of `--adapter`, loaded in the order given.
func loadAdapters(_ specs: [String]) throws -> [(name: String, adapter: LoRAAdapter)] { try LoRAAdapter.loadNamed(specs) }

/// Comma-separated numbers (`--ids 1,5,17`, `--weights 0.2,0.5,0.3`).
func parseList<T: LosslessStringConvertible>(_ text: String, flag: String) throws -> [T] {
    try text.split(separator: ",").map {
        guard let v = T(String($0).trimmingCharacters(in: .whitespaces)) else { throw ToolError("\(flag) \(text): '\($0)' is not a number") }
        return v
    }
}


/// The detector flags of `infer` and `serve`: adapters and a router go with a base model, which
/// replaces the bundle.
func validateDetectorFlags(model: String?, bundle: String?, adapter: [String], router: String?) throws {
    if model == nil && (!adapter.isEmpty || router != nil) { throw ValidationError("--adapter and --router need --model") }
    if model != nil && bundle != nil { throw ValidationError("give --model (with --adapter and --router) or --bundle, not both") }
}
