import Foundation
import Llama
import Tensor

/// Router weights in safetensors: `w1`, `b1`, `w2`, `b2`, with the adapter names (JSON array)
/// in the metadata under `adapter_names`.
extension Router {
    public static func load(_ url: URL) throws -> Router {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: url.path) } catch let e as FormatError {
            throw AdapterError(file: e.file, field: e.field, message: e.message)
        }
        guard let namesJSON = file.metadata["adapter_names"], let names = try? JSONSerialization.jsonObject(with: Data(namesJSON.utf8)) as? [String] else {
            throw AdapterError(file: url.path, field: "__metadata__.adapter_names", message: "missing or not a JSON array of adapter names")
        }
        func tensor(_ name: String) throws -> Tensor {
            do { return try file.tensor(name).copy() } catch let e as FormatError {
                throw AdapterError(file: e.file, field: e.field, message: e.message)
            }
        }
        do {
            return try Router(adapterNames: names, w1: tensor("w1"), b1: tensor("b1"), w2: tensor("w2"), b2: tensor("b2"))
        } catch let e as AdapterError {
            throw AdapterError(file: url.path, field: e.field, message: e.message)
        }
    }

    public func save(to url: URL) throws {
        let names = String(decoding: try JSONSerialization.data(withJSONObject: adapterNames), as: UTF8.self)
        try SafeTensorsWriter.write([.init(name: "w1", tensor: w1), .init(name: "b1", tensor: b1), .init(name: "w2", tensor: w2), .init(name: "b2", tensor: b2)],
                                    metadata: ["adapter_names": names], to: url)
    }
}
