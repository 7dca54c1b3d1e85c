import Foundation
import Tensor
@testable import Llama

/// libFuzzer entry: the input is written to a file and opened as a safetensors file, a GGUF file
/// and a llama2.c checkpoint. Every outcome but a thrown `FormatError` or a model is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = NSTemporaryDirectory() + "llama-fuzz-\(getpid()).bin"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    defer { unlink(path) }
    if let file = try? SafeTensorsFile(path: path) {
        for name in file.names { _ = try? file.tensor(name) }
    }
    if let file = try? GGUFFile(path: path) {
        for name in file.tensors.keys { _ = try? file.tensor(name) }
    }
    if let mapped = try? MappedFile(path: path) {
        _ = try? GGUFLoader.load(mapped)
        _ = try? Llama2CLoader.load(mapped)
    }
    return 0
}
