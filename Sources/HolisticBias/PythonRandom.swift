/// Python's `random` module generator (MT19937 seeded by `init_by_array`), for the draws the
/// original sampler makes: `random.seed(n)`, `random.random()`, `random.choice(seq)`.
public struct PythonRandom {
    var mt = [UInt32](repeating: 0, count: 624)
    var index = 624

    /// `random.seed(seed)` for an integer seed.
    public init(seed: UInt64) {
        var key: [UInt32] = []
        var s = seed
        repeat {
            key.append(UInt32(truncatingIfNeeded: s))
            s >>= 32
        } while s > 0
        mt[0] = 19_650_218
        for i in 1..<624 { mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i) }
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
        }
        mt[0] = 0x8000_0000
    }

    mutating func twist() {
        for k in 0..<624 {
            let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % 624] & 0x7FFF_FFFF)
            mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// The next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `random.random()`: 53 random bits in [0, 1).
    public mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random._randbelow(n)`: rejection sampling on `n.bit_length()` bits (n < 2³²).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n <= Int(UInt32.max), "PythonRandom.below: n \(n) outside 1...2^32-1")
        let k = Int.bitWidth - n.leadingZeroBitCount
        while true {
            let r = Int(nextUInt32() >> UInt32(32 - k))
            if r < n { return r }
        }
    }
}
