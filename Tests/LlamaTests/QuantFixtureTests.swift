import Foundation
import TestSupport
import XCTest

/// Reads Fixtures/quant_bnb.json (made by Scripts/fixtures/quant_bnb.py with bitsandbytes on CPU).
struct QuantFixtures {
    struct Case {
        let name: String
        let quantType: String
        let blocksize: Int
        let doubleQuant: Bool
        let shape: [Int]
        let input: [Float]
        let packed: [UInt8]
        let quantMap: [Float]
        let absmax: [Float]?
        let absmaxCodes: [UInt8]?
        let nestedAbsmax: [Float]?
        let nestedQuantMap: [Float]?
        let offset: Float?
        let dequantized: [Float]?
        let dequantizedSum: Double?
        let quantStateJSON: String
        /// bitsandbytes' state-dict key suffix ("" for the packed weight) -> (torch dtype, shape).
        let stateDictLayout: [String: (dtype: String, shape: [Int])]
    }

    /// Double-quantization statistics of a tensor with more than 32768 blocks, quantized under `threads` torch threads.
    struct ThreadedCase {
        let name: String
        let quantType: String
        let blocksize: Int
        let threads: Int
        let input: [Float]
        let absmaxCodes: [UInt8]
        let nestedAbsmax: [Float]
        let offset: Float
    }

    let cases: [Case]
    let torchSums: [(input: [Float], threads: Int, sum: Float, mean: Float)]
    let threadedCases: [ThreadedCase]
    let dynamicMap: [Float]

    static let shared: QuantFixtures = {
        let url = Fixtures.url("quant_bnb.json", in: Bundle.module)
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func bytes(_ s: Any?) -> [UInt8]? { (s as? String).map { [UInt8](Data(base64Encoded: $0)!) } }
        func floats(_ s: Any?) -> [Float]? {
            bytes(s).map { b in b.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }
        }
        let cases = (root["cases"] as! [[String: Any]]).map { c -> Case in
            let shape = c["shape"] as! [Int]
            let n = shape.reduce(1, *)
            let input = floats(c["input"]) ?? generatedInput(name: c["name"] as! String, count: n, cols: shape.last!)
            return Case(name: c["name"] as! String, quantType: c["quant_type"] as! String,
                        blocksize: c["blocksize"] as! Int, doubleQuant: c["double_quant"] as! Bool, shape: shape,
                        input: input, packed: bytes(c["packed"])!, quantMap: floats(c["quant_map"])!,
                        absmax: floats(c["absmax"]), absmaxCodes: bytes(c["absmax_codes"]),
                        nestedAbsmax: floats(c["nested_absmax"]), nestedQuantMap: floats(c["nested_quant_map"]),
                        offset: floats(c["offset"])?.first, dequantized: floats(c["dequantized"]),
                        dequantizedSum: c["dequantized_sum"] as? Double,
                        quantStateJSON: c["quant_state_json"] as! String,
                        stateDictLayout: (c["state_dict_layout"] as! [String: [Any]]).mapValues { ($0[0] as! String, $0[1] as! [Int]) })
        }
        // Long sums store a seed instead of their input: |generate(seed, count, cols: count)|.
        let sums = (root["torch_sums"] as! [[String: Any]]).map { e -> ([Float], Int, Float, Float) in
            let input = floats(e["input"]) ?? QuantGenerator.generate(seed: UInt64(e["seed"] as! Int), count: e["count"] as! Int,
                                                                      cols: e["count"] as! Int).map { abs($0) }
            return (input, e["threads"] as? Int ?? 1, floats(e["sum"])![0], floats(e["mean"])![0])
        }
        let threaded = (root["threaded_double_quant"] as! [[String: Any]]).map { e in
            ThreadedCase(name: e["name"] as! String, quantType: e["quant_type"] as! String, blocksize: e["blocksize"] as! Int,
                         threads: e["threads"] as! Int,
                         input: QuantGenerator.generate(seed: UInt64(e["seed"] as! Int), count: e["count"] as! Int, cols: e["cols"] as! Int),
                         absmaxCodes: bytes(e["absmax_codes"])!, nestedAbsmax: floats(e["nested_absmax"])!,
                         offset: floats(e["offset"])![0])
        }
        return QuantFixtures(cases: cases, torchSums: sums, threadedCases: threaded, dynamicMap: floats(root["dynamic_map"])!)
    }()

    /// The seed the script used for a generated case, read from its shape.
    private static func generatedInput(name: String, count: Int, cols: Int) -> [Float] {
        let seeds = ["7x100": 1, "3x33": 2, "64x96": 3, "5x130": 4, "48x1000": 11]
        let key = seeds.keys.first { name.contains("_\($0)_") }!
        return QuantGenerator.generate(seed: UInt64(seeds[key]!), count: count, cols: cols)
    }
}

/// The fixture script's deterministic float32 generator, reproduced op for op.
enum QuantGenerator {
    static func generate(seed: UInt64, count: Int, cols: Int) -> [Float] {
        var state = seed
        return (0..<count).map { i in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let k = Int64(z >> 40) - (1 << 23)
            let v = Float(k) * Float(sign: .plus, exponent: -23, significand: 1)
            let scale = Float(0.25) * Float(1 + (i / cols) % 5)
            return (v * v * v + v * 0.5) * scale
        }
    }
}
