/// bitsandbytes' CPU 8-bit blockwise quantizer (`cquantize_blockwise_cpu_fp32` in 0.50), used for the
/// second level of double quantization.
///
/// bitsandbytes 0.50 does not search the code per value: it maps x * (1 / absmax), clamped to [-1, 1],
/// to one of 65536 uniform bins, `UInt16(((x + 1) * 0.5) * 65535 + 0.5)`, and reads the code of the bin
/// from a table built by sweeping the midpoints of neighbouring codes. Near a midpoint this can pick the
/// farther code; reproducing the table reproduces that choice.
enum Blockwise8Bit {
    /// Codes and per-block absmax of `values` against the sorted 256-entry `code`.
    static func quantize(_ values: [Float], code: [Float], blocksize: Int) -> (codes: [UInt8], absmax: [Float]) {
        precondition(code.count == 256, "Blockwise8Bit.quantize: code has \(code.count) entries, needs 256")
        let table = lookupTable(code)
        let n = values.count
        let blocks = (n + blocksize - 1) / blocksize
        var codes = [UInt8](repeating: 0, count: n)
        var absmax = [Float](repeating: 0, count: blocks)
        for b in 0..<blocks {
            let lo = b * blocksize, hi = min(n, lo + blocksize)
            var m: Float = 0
            for i in lo..<hi where !values[i].isNaN { m = Swift.max(m, abs(values[i])) }
            absmax[b] = m
            if m == 0 { continue }
            let inv = 1 / m
            for i in lo..<hi {
                let x = Swift.min(Swift.max(values[i] * inv, -1), 1)
                codes[i] = table[Int(UInt16((x + 1) * 0.5 * 65535 + 0.5))]
            }
        }
        return (codes, absmax)
    }

    /// `code[codes[i]] * absmax[i / blocksize]`.
    static func dequantize(_ codes: [UInt8], absmax: [Float], code: [Float], blocksize: Int) -> [Float] {
        codes.indices.map { code[Int(codes[$0])] * absmax[$0 / blocksize] }
    }

    /// Bin i of [-1, 1] (value -1 + 2i / 65535) -> number of code midpoints strictly below it.
    private static func lookupTable(_ code: [Float]) -> [UInt8] {
        let mids = (0..<255).map { Float(0.5) * (code[$0] + code[$0 + 1]) }
        var table = [UInt8](repeating: 0, count: 65536)
        var c = 0
        for i in 0..<65536 {
            let v: Float = -1 + (2 * Float(i)) / 65535
            while c < 255, mids[c] < v { c += 1 }
            table[i] = UInt8(c)
        }
        return table
    }
}
