import Foundation
import Tensor

extension QuantizedCheckpoint {
    /// Quantizes a plain safetensors file: every 2-D float tensor (F32, F16, BF16) whose name ends
    /// in `.weight` becomes bitsandbytes' 4-bit entries (its quant state records the original
    /// dtype); every other tensor, already quantized pieces included, is copied byte for byte.
    /// The output is written atomically. Throws naming the file or the tensor.
    @discardableResult
    public static func quantize(safetensors input: URL, to output: URL, type: QuantType = .nf4, blocksize: Int = 64,
                                doubleQuant: Bool = true) throws -> QuantizationSummary {
        let file = try SafeTensorsFile(path: input.path)
        let torchNames: [DType: String] = [.float32: "float32", .float16: "float16", .bfloat16: "bfloat16"]
        let alreadyQuantized = quantizedWeights(in: file.names)
        var items: [SafeTensorsWriter.Item] = []
        var summary = QuantizationSummary(tensorsQuantized: 0, bytesBefore: 0, bytesAfter: 0, quantizedParameters: 0, quantizedBytes: 0)
        for name in file.names {
            let e = file.entries[name]!
            summary.bytesBefore += e.range.count
            if let torchName = torchNames[e.dtype], e.shape.count == 2, name.hasSuffix(".weight"), alreadyQuantized[name] == nil {
                let q = try QuantizedTensor(quantizing: file.tensor(name), name: name, quantType: type, blocksize: blocksize,
                                            doubleQuant: doubleQuant)
                items += self.items(q, name: name, dtype: torchName)
                summary.tensorsQuantized += 1
                summary.quantizedParameters += q.count
                summary.quantizedBytes += q.packed.count + q.scales.byteCount
            } else {
                items.append(SafeTensorsWriter.Item(name: name, dtype: e.dtype, shape: e.shape, bytes: Data(try file.rawBytes(name))))
            }
        }
        summary.bytesAfter = items.reduce(0) { $0 + $1.bytes.count }
        var metadata = file.metadata
        if metadata.isEmpty { metadata["format"] = "pt" }
        try SafeTensorsWriter.write(items, metadata: metadata, to: output)
        return summary
    }
}
