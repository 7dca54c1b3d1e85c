import ArgumentParser
import Foundation
import Llama

/// `llama quantize`: 4-bit quantization in bitsandbytes' layout, so the output loads here
/// (`llama generate`, `llama logits`) and in transformers as a "bnb-4bit" checkpoint.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a model or a safetensors file to 4 bits (bitsandbytes NF4/FP4 layout).",
        discussion: """
        INPUT is a Hugging Face model directory, a GGUF file (dequantized, then re-quantized), a llama2.c .bin checkpoint, \
        or a plain .safetensors file. For a model, \
        the seven linear layers of every decoder layer are quantized (not the embedding, the norms or the output head). \
        For a plain .safetensors file, every 2-D float tensor whose name ends in .weight is quantized and everything \
        else is copied. OUTPUT ending in .safetensors is one file; anything else is a model directory \
        (config.json with a bitsandbytes quantization_config, model.safetensors).
        """)

    @Option(help: "Hugging Face model directory, .gguf or llama2.c .bin file, or .safetensors file.")
    var input: String

    @Option(help: "Output model directory, or a file ending in .safetensors.")
    var output: String

    @Option(help: "4-bit data type: nf4 or fp4.")
    var quantType: String = "nf4"

    @Option(help: "Values per absmax block: a power of two from 32 to 4096.")
    var blocksize: Int = 64

    @Flag(inversion: .prefixedNo, help: "Quantize the absmax values to 8 bits as well (QLoRA's double quantization).")
    var doubleQuant: Bool = true

    func validate() throws {
        guard QuantType(rawValue: quantType) != nil else { throw ValidationError("--quant-type must be nf4 or fp4, got '\(quantType)'") }
        guard quantBlocksizes.contains(blocksize) else {
            throw ValidationError("--blocksize must be a power of two from 32 to 4096, got \(blocksize)")
        }
    }

    func run() throws {
        let type = QuantType(rawValue: quantType)!
        let inputURL = URL(fileURLWithPath: input), outputURL = URL(fileURLWithPath: output)
        let toFile = outputURL.pathExtension.lowercased() == "safetensors"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ValidationError("--input \(input) does not exist")
        }
        let summary: QuantizationSummary
        if !isDirectory.boolValue && inputURL.pathExtension.lowercased() == "safetensors" {
            guard toFile else {
                throw ValidationError("a plain .safetensors input has no model config; give an --output ending in .safetensors")
            }
            summary = try QuantizedCheckpoint.quantize(safetensors: inputURL, to: outputURL, type: type, blocksize: blocksize,
                                                       doubleQuant: doubleQuant)
        } else {
            let model: LlamaModel
            if isDirectory.boolValue {
                model = try HuggingFaceLoader.load(directory: inputURL)
            } else if ["bin", "gguf"].contains(inputURL.pathExtension.lowercased()) {
                // A GGUF's blocks are dequantized to fp32 first, then re-quantized (QLoRA's frozen base).
                model = try LlamaModel.load(input)
            } else {
                throw ValidationError("--input must be a model directory, a .gguf or llama2.c .bin file, or a .safetensors file: \(input)")
            }
            let quantized = try model.quantized(type: type, blocksize: blocksize, doubleQuant: doubleQuant)
            summary = toFile ? try QuantizedCheckpoint.save(quantized, file: outputURL)
                             : try QuantizedCheckpoint.save(quantized, directory: outputURL)
        }
        let ratio = summary.bytesAfter > 0 ? Double(summary.bytesBefore) / Double(summary.bytesAfter) : 0
        print("quantized \(summary.tensorsQuantized) tensors to \(type.rawValue) (blocksize \(blocksize), "
              + "double quant \(doubleQuant ? "on" : "off")): \(summary.quantizedParameters) parameters at "
              + String(format: "%.3f", summary.bitsPerParameter) + " bits per parameter")
        print("bytes before \(summary.bytesBefore), after \(summary.bytesAfter) (" + String(format: "%.2f", ratio) + "x smaller)")
        print("wrote \(output)")
    }
}
