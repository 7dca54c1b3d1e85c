/// numpy's `SeedSequence` (the entropy-mixing seeder behind `numpy.random.default_rng(seed)`),
/// for non-negative integer seeds without spawn keys.
public struct SeedSequence {
    static let initA: UInt32 = 0x43b0_d7e5, multA: UInt32 = 0x931e_8875
    static let initB: UInt32 = 0x8b51_f9dd, multB: UInt32 = 0x58f3_8ded
    static let mixMultL: UInt32 = 0xca01_f9dd, mixMultR: UInt32 = 0x4973_f715

    /// The mixed entropy pool (four 32-bit words, as numpy's default).
    public private(set) var pool: [UInt32]

    public init(_ seed: UInt64) {
        var entropy: [UInt32] = []
        var s = seed
        repeat {
            entropy.append(UInt32(truncatingIfNeeded: s))
            s >>= 32
        } while s > 0
        var hashConst = Self.initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* Self.multA
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = Self.mixMultL &* x &- Self.mixMultR &* y
            return r ^ (r >> 16)
        }
        var mixer = [UInt32](repeating: 0, count: 4)
        for i in 0..<4 { mixer[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for src in 0..<4 {
            for dst in 0..<4 where src != dst {
                mixer[dst] = mix(mixer[dst], hashmix(mixer[src]))
            }
        }
        for src in 4..<max(4, entropy.count) {
            for dst in 0..<4 { mixer[dst] = mix(mixer[dst], hashmix(entropy[src])) }
        }
        pool = mixer
    }

    /// `generate_state(count, np.uint64)`: 32-bit words paired little-endian.
    public func generateState64(_ count: Int) -> [UInt64] {
        var hashConst = Self.initB
        var words: [UInt32] = []
        for i in 0..<(2 * count) {
            var v = pool[i % pool.count] ^ hashConst
            hashConst = hashConst &* Self.multB
            v = v &* hashConst
            words.append(v ^ (v >> 16))
        }
        return (0..<count).map { UInt64(words[2 * $0]) | UInt64(words[2 * $0 + 1]) << 32 }
    }
}

/// numpy's `PCG64` bit generator (PCG XSL-RR 128/64) with its buffered 32-bit draws, so that
/// sequences match `numpy.random.default_rng(seed)` draw for draw.
public struct PCG64 {
    static let multiplier = UInt128(0x2360_ED05_1FC6_5DA4) << 64 | UInt128(0x4385_DF64_9FCC_F645)

    var state: UInt128
    let increment: UInt128
    var buffered: UInt32?

    /// Seeds as `numpy.random.PCG64(seed)` does, through `SeedSequence`.
    public init(seed: UInt64) {
        let words = SeedSequence(seed).generateState64(4)
        let initState = UInt128(words[0]) << 64 | UInt128(words[1])
        let initSeq = UInt128(words[2]) << 64 | UInt128(words[3])
        increment = initSeq << 1 | 1
        state = 0
        step()
        state &+= initState
        step()
    }

    mutating func step() {
        state = state &* Self.multiplier &+ increment
    }

    /// The next 64 random bits.
    public mutating func next64() -> UInt64 {
        step()
        let high = UInt64(truncatingIfNeeded: state >> 64)
        let low = UInt64(truncatingIfNeeded: state)
        let rot = high >> 58
        let x = high ^ low
        return (x >> rot) | (x << ((64 &- rot) & 63))
    }

    /// The next 32 random bits: numpy hands out the low half of a 64-bit draw and keeps the high half.
    public mutating func next32() -> UInt32 {
        if let b = buffered {
            buffered = nil
            return b
        }
        let v = next64()
        buffered = UInt32(truncatingIfNeeded: v >> 32)
        return UInt32(truncatingIfNeeded: v)
    }

    /// numpy's `random_bounded_uint64` without masking (Lemire's method): uniform in 0...range.
    public mutating func bounded(_ range: UInt64) -> UInt64 {
        if range == 0 { return 0 }
        if range <= 0xFFFF_FFFF {
            if range == 0xFFFF_FFFF { return UInt64(next32()) }
            let excl = UInt32(range) + 1
            var m = UInt64(next32()) * UInt64(excl)
            var leftover = UInt32(truncatingIfNeeded: m)
            if leftover < excl {
                let threshold = (UInt32.max - UInt32(range)) % excl
                while leftover < threshold {
                    m = UInt64(next32()) * UInt64(excl)
                    leftover = UInt32(truncatingIfNeeded: m)
                }
            }
            return m >> 32
        }
        if range == UInt64.max { return next64() }
        let excl = range + 1
        var m = next64().multipliedFullWidth(by: excl)
        if m.low < excl {
            let threshold = (UInt64.max - range) % excl
            while m.low < threshold { m = next64().multipliedFullWidth(by: excl) }
        }
        return m.high
    }

    mutating func shuffleTail(_ data: inout [Int], count n: Int, first: Int) {
        var i = n - 1
        while i >= first {
            let j = Int(bounded(UInt64(i)))
            data.swapAt(i, j)
            i -= 1
        }
    }

    /// `Generator.choice(range(population), size, replace=False)` with numpy's default
    /// `shuffle=True`: the indices numpy picks, in the order it returns them.
    public mutating func choiceWithoutReplacement(population: Int, size: Int) -> [Int] {
        precondition(size >= 0 && size <= population, "choiceWithoutReplacement: size \(size) outside 0...\(population)")
        // numpy shuffles the tail only for large populations; small ones (HolisticBias's ~600
        // descriptors) take Floyd's algorithm.
        if population > 10_000 && size > population / 50 {
            var idx = Array(0..<population)
            shuffleTail(&idx, count: population, first: Swift.max(population - size, 1))
            return Array(idx[(population - size)...])
        }
        var setSize = UInt64(1.2 * Double(size))
        var mask = setSize
        for shift in [1, 2, 4, 8, 16, 32] as [UInt64] { mask |= mask >> shift }
        setSize = mask + 1
        let empty = UInt64.max
        var hashSet = [UInt64](repeating: empty, count: Int(setSize))
        var idx = [Int](repeating: 0, count: size)
        for j in (population - size)..<population {
            let val = bounded(UInt64(j))
            var loc = Int(val & mask)
            while hashSet[loc] != empty && hashSet[loc] != val { loc = (loc + 1) & Int(mask) }
            if hashSet[loc] == empty {
                hashSet[loc] = val
                idx[j - population + size] = Int(val)
            } else {
                loc = j & Int(mask)
                while hashSet[loc] != empty { loc = (loc + 1) & Int(mask) }
                hashSet[loc] = UInt64(j)
                idx[j - population + size] = j
            }
        }
        shuffleTail(&idx, count: size, first: 1)
        return idx
    }
}
