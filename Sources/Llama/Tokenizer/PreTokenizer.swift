/// How byte-level BPE cuts text into pre-tokens before merging, by the names llama.cpp's
/// `llama-vocab.cpp` gives its `LLAMA_VOCAB_PRE_TYPE_*` regex sets. No merge crosses a pre-token boundary.
///
/// The regexes are matched by hand rather than with a regex engine, as llama.cpp's
/// `unicode_regex_split_custom_*` do: `\p{L}` and `\p{N}` are the Unicode general categories L* and N*,
/// `\s` is the White_Space property (what Oniguruma, behind Hugging Face `tokenizers`, means by `\s`),
/// and alternatives are tried in the regex's order at each position, as a backtracking engine would.
public enum PreTokenizer: String, CaseIterable, Sendable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM / StarCoder: every `\p{N}` character alone first, then the GPT-2 regex on the rest
    /// (Hugging Face: Sequence[Digits(individual_digits=true), ByteLevel]).
    case smollm
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3
    /// Qwen 2: the Llama 3 regex with single digits (`\p{N}` for `\p{N}{1,3}`).
    case qwen2

    /// The names GGUF's `tokenizer.ggml.pre` uses for each set (llama.cpp's spellings).
    static let ggufNames: [String: PreTokenizer] = [
        "gpt-2": .gpt2, "gpt2": .gpt2, "smollm": .smollm, "starcoder": .smollm,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3, "qwen2": .qwen2,
    ]

    /// The pre-tokenizer GGUF names `name`.
    /// - Throws: `TokenizerError` for a name outside `ggufNames`, listing the supported ones.
    init(ggufName name: String?, file: String, field: String) throws {
        guard let name, let known = PreTokenizer.ggufNames[name] else {
            let names = PreTokenizer.ggufNames.keys.sorted().joined(separator: ", ")
            throw TokenizerError(file: file, field: field, reason: "pre-tokenizer \(name.map { "\"\($0)\"" } ?? "missing") is not supported (supported: \(names))")
        }
        self = known
    }

    /// The regex Hugging Face's `Split` step carries for this set, as Llama 3 and Qwen 2 ship it.
    var regex: String {
        switch self {
        case .gpt2, .smollm: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .qwen2: return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// Calls `emit` with the scalar ranges of the pre-tokens of `text`, in order, covering it exactly.
    func split(_ text: ScalarText, _ emit: (Int, Int) -> Void) {
        switch self {
        case .gpt2:
            PreTokenizer.gpt2(text, 0, text.count, emit)
        case .smollm:
            var start = 0
            for i in 0..<text.count where text.classes[i] == ScalarText.number {
                if start < i { PreTokenizer.gpt2(text, start, i, emit) }
                emit(i, i + 1)
                start = i + 1
            }
            if start < text.count { PreTokenizer.gpt2(text, start, text.count, emit) }
        case .llama3:
            PreTokenizer.llama3(text, maxDigits: 3, emit)
        case .qwen2:
            PreTokenizer.llama3(text, maxDigits: 1, emit)
        }
    }

    /// The contraction at `pos` ('s 't 'm 'd 're 've 'll), its length or 0. `foldsCase` is the `(?i:...)`
    /// of Llama 3, where Unicode case folding also lets "ſ" (U+017F) match "s".
    private static func contraction(_ text: ScalarText, _ pos: Int, _ end: Int, foldsCase: Bool) -> Int {
        guard text.values[pos] == 0x27, pos + 1 < end else { return 0 }
        func letter(_ i: Int) -> UInt32 {
            let v = text.values[i]
            if foldsCase && v == 0x17F { return 0x73 }
            return foldsCase && (0x41...0x5A).contains(v) ? v | 0x20 : v
        }
        switch letter(pos + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        default: break
        }
        guard pos + 2 < end else { return 0 }
        switch (letter(pos + 1), letter(pos + 2)) {
        case (0x72, 0x65), (0x76, 0x65), (0x6C, 0x6C): return 3  // re ve ll
        default: return 0
        }
    }

    /// The GPT-2 regex over `start..<end`, with `end` as the end of the text for `(?!\S)`.
    private static func gpt2(_ text: ScalarText, _ start: Int, _ end: Int, _ emit: (Int, Int) -> Void) {
        let classes = text.classes, values = text.values
        var pos = start
        while pos < end {
            let from = pos
            let length = contraction(text, pos, end, foldsCase: false)
            if length > 0 {
                pos += length
            } else {
                // ` ?X+` for X in letters, numbers, other: an optional U+0020 joins the run after it.
                let spaced = values[pos] == 0x20 && pos + 1 < end && classes[pos + 1] != ScalarText.whitespace
                let run = spaced ? classes[pos + 1] : classes[pos]
                if run != ScalarText.whitespace {
                    pos += spaced ? 2 : 1
                    while pos < end && classes[pos] == run { pos += 1 }
                } else {
                    pos = whitespaceRunEnd(text, pos, end)
                }
            }
            emit(from, pos)
        }
    }

    /// `\s+(?!\S)|\s+` at a whitespace character: the whole run at the end of the text, else all but
    /// its last character (which then leads the next pre-token), else the single character.
    @inline(__always)
    private static func whitespaceRunEnd(_ text: ScalarText, _ pos: Int, _ end: Int) -> Int {
        var runEnd = pos
        while runEnd < end && text.classes[runEnd] == ScalarText.whitespace { runEnd += 1 }
        return runEnd - pos > 1 && runEnd < end ? runEnd - 1 : runEnd
    }

    /// The Llama 3 regex (Qwen 2's with `maxDigits` 1), as llama.cpp's `unicode_regex_split_custom_llama3`.
    private static func llama3(_ text: ScalarText, maxDigits: Int, _ emit: (Int, Int) -> Void) {
        let classes = text.classes, values = text.values, end = text.count
        func isLineBreak(_ i: Int) -> Bool { values[i] == 0x0A || values[i] == 0x0D }
        var pos = 0
        while pos < end {
            let from = pos
            let cls = classes[pos]
            let length = contraction(text, pos, end, foldsCase: true)
            if length > 0 {
                pos += length
            } else if !isLineBreak(pos) && cls != ScalarText.number
                        && (cls == ScalarText.letter || (pos + 1 < end && classes[pos + 1] == ScalarText.letter)) {
                // `[^\r\n\p{L}\p{N}]?\p{L}+`
                pos += 1
                while pos < end && classes[pos] == ScalarText.letter { pos += 1 }
            } else if cls == ScalarText.number {
                // `\p{N}{1,maxDigits}`
                while pos < end && pos - from < maxDigits && classes[pos] == ScalarText.number { pos += 1 }
            } else if values[pos] == 0x20 && pos + 1 < end && classes[pos + 1] == ScalarText.other || cls == ScalarText.other {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                pos += values[pos] == 0x20 ? 2 : 1
                while pos < end && classes[pos] == ScalarText.other { pos += 1 }
                while pos < end && isLineBreak(pos) { pos += 1 }
            } else {
                // `\s*[\r\n]+`: through the last line break of the whitespace run; else `\s+(?!\S)|\s+`.
                var runEnd = pos, lastBreak = -1
                while runEnd < end && classes[runEnd] == ScalarText.whitespace {
                    if isLineBreak(runEnd) { lastBreak = runEnd }
                    runEnd += 1
                }
                pos = lastBreak >= 0 ? lastBreak + 1 : whitespaceRunEnd(text, pos, end)
            }
            emit(from, pos)
        }
    }
}

/// A UTF-8 text decoded into Unicode scalars with the character classes the pre-tokenizer regexes test.
struct ScalarText {
    static let other: UInt8 = 0, letter: UInt8 = 1, number: UInt8 = 2, whitespace: UInt8 = 3

    /// Scalar values.
    private(set) var values: [UInt32] = []
    /// `letter`, `number`, `whitespace` or `other` per scalar.
    private(set) var classes: [UInt8] = []
    /// Byte offset of each scalar in the UTF-8, plus the end offset.
    private(set) var offsets: [Int32] = []

    var count: Int { values.count }

    /// Decodes `utf8`, which must be valid UTF-8 (it comes from a Swift `String`).
    mutating func reset(_ utf8: UnsafeBufferPointer<UInt8>) {
        values.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        var i = 0
        while i < utf8.count {
            let lead = utf8[i]
            let length = min(Tokenizer.utf8Length(lead: lead), utf8.count - i)
            var value: UInt32
            switch length {
            case 1: value = UInt32(lead)
            case 2: value = UInt32(lead & 0x1F)
            case 3: value = UInt32(lead & 0x0F)
            default: value = UInt32(lead & 0x07)
            }
            for k in 1..<max(length, 1) { value = value << 6 | UInt32(utf8[i + k] & 0x3F) }
            offsets.append(Int32(i))
            values.append(value)
            classes.append(ScalarText.classify(value))
            i += length
        }
        offsets.append(Int32(utf8.count))
    }

    private static let asciiClasses: [UInt8] = (0..<128).map { classifyUnicode(UInt32($0)) }

    @inline(__always)
    static func classify(_ value: UInt32) -> UInt8 {
        value < 128 ? asciiClasses[Int(value)] : classifyUnicode(value)
    }

    private static func classifyUnicode(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return other }
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return other
        }
    }
}
