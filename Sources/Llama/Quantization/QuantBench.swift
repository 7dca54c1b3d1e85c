import CBLAS
import Dispatch
import Tensor

/// Micro-benchmarks of the 4-bit kernels, each ratio measured within one run on `Parallel.threads`
/// threads, with the fast GEMV kernel the CPU runs best (`FastGEMVKernel.selected`; set
/// `EXPLAININGHATE_KERNEL` to measure a slower one). Build in release: `swift run -c release llama
/// bench --kernels`.
public enum QuantBench {
    /// Numbers from one run.
    public struct Report: Sendable, CustomStringConvertible {
        /// Streaming read of a large fp32 buffer, bytes/s.
        public var streamBandwidth: Double = 0
        /// NF4 fast GEMV on a matrix of `largeBytes` packed bytes plus scales, bytes/s.
        public var largeGEMVBandwidth: Double = 0
        /// Packed bytes plus scales of that matrix.
        public var largeBytes: Int = 0
        /// NF4 GEMV on an L3-resident matrix, weights/s (fast and exact paths).
        public var l3FastWeightsPerSecond: Double = 0
        /// The exact path on the same matrix, weights/s.
        public var l3ExactWeightsPerSecond: Double = 0
        /// fp32 `cblas_sgemv` on the same shape, weights/s.
        public var sgemvWeightsPerSecond: Double = 0
        /// Seconds for NF4 GEMM (M = 256, dequantization included) and for dense `cblas_sgemm`.
        public var gemmSeconds: Double = 0
        /// Seconds for dense `cblas_sgemm` on the same shapes.
        public var sgemmSeconds: Double = 0
        /// GGUF Q4_1 GEMV (`GGUFLinear`'s float32 block-dot kernel) on a matrix of `q41Bytes`, bytes/s.
        public var q41GEMVBandwidth: Double = 0
        /// Block bytes of that matrix.
        public var q41Bytes: Int = 0
        /// GGUF Q4_1 dequantization of the same matrix to float32 over the threads, weights/s.
        public var q41DequantWeightsPerSecond: Double = 0
        /// Storage of a 4096x11008 NF4 layer with double quantization.
        public var bitsPerParameter: Double = 0
        /// The fast GEMV kernel that ran.
        public var kernel = FastGEMVKernel.portable
        /// `Parallel.threads` during the run.
        public var threads = 0

        /// Q4_1 GEMV bandwidth over streaming-read bandwidth.
        public var q41BandwidthRatio: Double { q41GEMVBandwidth / streamBandwidth }
        /// Large GEMV bandwidth over streaming-read bandwidth (goal >= 0.8).
        public var bandwidthRatio: Double { largeGEMVBandwidth / streamBandwidth }
        /// Fast NF4 GEMV over fp32 sgemv on the L3-resident shape (goal >= 3).
        public var gemvSpeedupOverSgemv: Double { l3FastWeightsPerSecond / sgemvWeightsPerSecond }
        /// Dense sgemm time over NF4 GEMM time (goal >= 0.6).
        public var gemmRatio: Double { sgemmSeconds / gemmSeconds }

        /// The report as printed by `run`.
        public var description: String {
            func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }
            return """
            quant bench (\(threads) threads, \(kernel.rawValue) kernel; this CPU runs \(FastGEMVKernel.supported.map(\.rawValue).joined(separator: ", ")))
              stream read                  \(f(streamBandwidth / 1e9)) GB/s
              NF4 GEMV \(largeBytes / 1_000_000) MB (fast)        \(f(largeGEMVBandwidth / 1e9)) GB/s  ratio \(f(bandwidthRatio)) (goal >= 0.8)
              NF4 GEMV L3-resident fast    \(f(l3FastWeightsPerSecond / 1e9)) G weights/s (goal >= 45)
              NF4 GEMV L3-resident exact   \(f(l3ExactWeightsPerSecond / 1e9)) G weights/s
              fp32 cblas_sgemv same shape  \(f(sgemvWeightsPerSecond / 1e9)) G weights/s  speedup \(f(gemvSpeedupOverSgemv)) (goal >= 3)
              NF4 GEMM M=256 incl dequant  \(f(gemmSeconds * 1e3, 1)) ms vs sgemm \(f(sgemmSeconds * 1e3, 1)) ms  ratio \(f(gemmRatio)) (goal >= 0.6)
              GGUF Q4_1 GEMV \(q41Bytes / 1_000_000) MB (fp32)   \(f(q41GEMVBandwidth / 1e9)) GB/s  ratio \(f(q41BandwidthRatio))
              GGUF Q4_1 dequantize to fp32 \(f(q41DequantWeightsPerSecond / 1e9)) G weights/s
              bits/parameter 4096x11008 DQ \(f(bitsPerParameter, 4)) (goal <= 4.13)
            """
        }
    }

    /// Runs every benchmark, prints the report when `verbose`, and returns it.
    @discardableResult
    public static func run(verbose: Bool = true) -> Report {
        var r = Report()
        r.threads = Parallel.threads
        r.kernel = QuantizedTensor.fastGEMVKernel

        let large = syntheticWeight(rows: 11008, cols: 20480)
        r.largeBytes = large.packed.count + large.scales.byteCount
        let streamBuffer = StreamBuffer(bytes: 512 << 20)
        let xl = [Float](repeating: 0.5, count: 20480)
        var yl = [Float](repeating: 0, count: 11008)
        let (tStream, tLarge) = bestPair(10, { streamBuffer.read() }, { large.gemvFast(xl, &yl) })
        r.streamBandwidth = Double(streamBuffer.bytes) / tStream
        r.largeGEMVBandwidth = Double(r.largeBytes) / tLarge
        let q41 = SyntheticQ4_1(rows: 11008, cols: 20480)
        r.q41Bytes = q41.bytes
        let (tStream2, tQ41) = bestPair(10, { streamBuffer.read() }, { q41.gemv(xl, &yl) })
        r.streamBandwidth = Swift.max(r.streamBandwidth, Double(streamBuffer.bytes) / tStream2)
        r.q41GEMVBandwidth = Double(q41.bytes) / tQ41
        r.q41DequantWeightsPerSecond = Double(q41.rows * q41.cols) / best(3) { q41.dequantize() }

        let (m, n) = (4096, 4096)
        let small = syntheticWeight(rows: m, cols: n)
        let x = (0..<n).map { Float($0 % 7) - 3 }
        var y = [Float](repeating: 0, count: m)
        r.l3ExactWeightsPerSecond = Double(m * n) / best(5) { small.gemvExact(x, &y) }
        let dense = small.dequantized()
        dense.withUnsafeBufferPointer { w in
            let (tFast, tSgemv) = bestPair(20, { small.gemvFast(x, &y) }, {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, w.baseAddress!, Int32(n), x, 1, 0, &y, 1)
            })
            r.l3FastWeightsPerSecond = Double(m * n) / tFast
            r.sgemvWeightsPerSecond = Double(m * n) / tSgemv
            let batch = 256
            let xb = [Float](repeating: 0.25, count: batch * n)
            var yb = [Float](repeating: 0, count: batch * m)
            (r.gemmSeconds, r.sgemmSeconds) = bestPair(5, { small.gemm(xb, m: batch, &yb) }, {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(m), Int32(n), 1, xb, Int32(n),
                            w.baseAddress!, Int32(n), 0, &yb, Int32(m))
            })
        }
        r.bitsPerParameter = syntheticWeight(rows: 4096, cols: 11008).bitsPerParameter
        if verbose { print(r) }
        return r
    }

    /// A double-quantized NF4 weight with pseudo-random codes; kernel speed does not depend on values,
    /// and skipping quantization keeps the 100 MB case quick.
    static func syntheticWeight(rows: Int, cols: Int) -> QuantizedTensor {
        let n = rows * cols
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        packed.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                words[i] = state
            }
        }
        let blocks = (n + 63) / 64
        let codes = (0..<blocks).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let nested = [Float](repeating: 0.01, count: (blocks + 255) / 256)
        return QuantizedTensor(shape: [rows, cols], quantType: .nf4, blocksize: 64, packed: packed,
                               scales: .double(codes: codes, nestedAbsmax: nested, offset: 0.02, nestedBlocksize: 256,
                                               nestedQuantMap: DynamicMap.signed8Bit))
    }

    /// A Q4_1 weight of pseudo-random nibbles and finite fp16 scales in GGUF's block layout, for
    /// `GGUFLinear`'s GEMV kernel (its speed does not depend on the values).
    final class SyntheticQ4_1 {
        let rows: Int, cols: Int, bytes: Int
        private let data: UnsafeMutableRawPointer
        private let order: [Int]

        init(rows: Int, cols: Int) {
            (self.rows, self.cols) = (rows, cols)
            bytes = GGUFTensorType.q4_1.rowBytes(cols)! * rows
            data = .allocate(byteCount: bytes, alignment: 64)
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<(bytes / 20) {
                let block = data + i * 20
                block.storeBytes(of: UInt16(0x2E66), toByteOffset: 0, as: UInt16.self)   // d = 0.1
                block.storeBytes(of: UInt16(0xAE66), toByteOffset: 2, as: UInt16.self)   // m = -0.1
                for w in 0..<2 {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    block.storeBytes(of: state, toByteOffset: 4 + 8 * w, as: UInt64.self)
                }
            }
            order = Array(0..<rows)
        }

        deinit { data.deallocate() }

        func gemv(_ x: [Float], _ y: inout [Float]) {
            order.withUnsafeBufferPointer { o in
                y.withUnsafeMutableBufferPointer { GGUFLinear.gemv(type: .q4_1, blocks: data, rowOrder: o.baseAddress!, rows: rows, cols: cols, x, $0.baseAddress!) }
            }
        }

        /// Dequantizes every row, each thread's rows a few at a time into one reused 4 MiB buffer, so the
        /// rate measured is the decoder's rather than page faults on a 900 MB output.
        func dequantize() {
            let (cols, data, stride) = (cols, data, GGUFTensorType.q4_1.rowBytes(cols)!)
            let perRun = Swift.max(1, (1 << 20) / cols)
            Parallel.forRanges(rows, minimumPerThread: 64) { range in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: perRun * cols)
                defer { buffer.deallocate() }
                var r = range.lowerBound
                while r < range.upperBound {
                    let n = Swift.min(perRun, range.upperBound - r)
                    GGUFTensorType.q4_1.dequantize(blocks: n * cols / 32, from: data + r * stride, into: buffer)
                    r += n
                }
            }
        }
    }

    /// A buffer far larger than the caches, summed with SIMD over the kernel threads: the streaming-read
    /// bandwidth the GEMV is compared with.
    public final class StreamBuffer {
        public let bytes: Int
        private let count: Int
        private let buf: UnsafeMutablePointer<Float>
        private let sink: UnsafeMutablePointer<Float>

        public init(bytes: Int) {
            count = bytes / 4
            self.bytes = count * 4
            buf = .allocate(capacity: count)
            buf.initialize(repeating: 1, count: count)
            sink = .allocate(capacity: 64)
        }

        deinit {
            buf.deallocate()
            sink.deallocate()
        }

        public func read() {
            let chunks = Swift.min(Parallel.threads, 64)
            let (count, buf, sink) = (self.count, self.buf, self.sink)
            Parallel.forRanges(chunks) { range in
                for c in range {
                    let lo = count * c / chunks, hi = count * (c + 1) / chunks
                    let raw = UnsafeRawPointer(buf + lo)
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                    var i = 0
                    while i + 32 <= hi - lo {
                        a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        a1 += raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                        a2 += raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self)
                        a3 += raw.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self)
                        i += 32
                    }
                    sink[c] = (a0 + a1 + a2 + a3).sum()
                }
            }
        }
    }

    /// Fastest times of `a` and `b` over `reps` alternating rounds, so a ratio of the two sees the same
    /// machine load (this host is shared).
    public static func bestPair(_ reps: Int, _ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
        var ta = Double.infinity, tb = Double.infinity
        for _ in 0..<reps {
            ta = Swift.min(ta, best(1, a))
            tb = Swift.min(tb, best(1, b))
        }
        return (ta, tb)
    }

    /// Fastest of `reps` timed runs after one warm-up, in seconds.
    public static func best(_ reps: Int, _ body: () -> Void) -> Double {
        body()
        var bestTime = Double.infinity
        for _ in 0..<reps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            bestTime = Swift.min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return bestTime
    }
}
