import Foundation

/// A BPE tokenizer: SentencePiece-style as used by Llama 2 and Mistral, or byte-level as used by the
/// GPT-2 family (SmolLM2, Llama 3, Qwen 2; see `ByteLevelBPE`).
///
/// Load it from a SentencePiece `tokenizer.model`, a Hugging Face `tokenizer.json` or a llama2.c
/// `tokenizer.bin` (see `Tokenizer(contentsOf:)`). Encoding follows the `sentencepiece` package:
/// the text is normalized (dummy-prefix space, spaces escaped as U+2581), split into characters,
/// adjacent symbols are merged by the highest piece score (or, for `tokenizer.json`, the lowest
/// merge rank), and pieces outside the vocabulary fall back to `<0xNN>` byte pieces.
public struct Tokenizer: Sendable {
    /// The kind of a vocabulary entry, with SentencePiece's `ModelProto.SentencePiece.Type` values.
    public enum PieceType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// How raw text becomes the string the merges run on.
    public struct Normalization: Sendable, Equatable {
        /// Adds one space (U+2581 after escaping) before non-empty text.
        public var addDummyPrefix: Bool
        /// Drops leading and trailing spaces and collapses runs of spaces into one.
        public var removeExtraWhitespaces: Bool
        /// Replaces U+0020 with U+2581 ("▁").
        public var escapeWhitespaces: Bool

        public init(addDummyPrefix: Bool = true, removeExtraWhitespaces: Bool = false, escapeWhitespaces: Bool = true) {
            self.addDummyPrefix = addDummyPrefix
            self.removeExtraWhitespaces = removeExtraWhitespaces
            self.escapeWhitespaces = escapeWhitespaces
        }
    }

    /// Which adjacent pairs merge, and which first.
    enum MergeRule: Sendable {
        /// SentencePiece: two symbols merge when their concatenation is a normal, user-defined or
        /// unused piece; the highest piece score merges first.
        case pieceScores
        /// Hugging Face BPE: only listed pairs merge, lowest rank first. Keys pack two ids as
        /// `left << 32 | right`; values are the rank and the merged id.
        case ranks([UInt64: (rank: Int32, merged: Int32)])
    }

    /// How the dummy prefix is added; Hugging Face's Metaspace skips it when the text already starts with "▁".
    enum PrefixRule: Sendable { case always, unlessPresent }

    /// Piece text, indexed by id, with U+2581 for spaces (SentencePiece) or in GPT-2's byte spelling,
    /// "Ġ" for a space (byte-level).
    public let pieces: [String]
    /// Piece scores (log probabilities or negative merge ranks), indexed by id.
    public let scores: [Float]
    /// Piece kinds, indexed by id.
    public let types: [PieceType]
    public let unknownID: Int?
    public let bosID: Int?
    public let eosID: Int?
    public let padID: Int?
    /// Whether characters outside the vocabulary become `<0xNN>` byte pieces instead of the unknown id.
    public let byteFallback: Bool
    public let normalization: Normalization
    /// What `decode` prints for the unknown id (SentencePiece's `unk_surface`).
    public let unknownSurface: String
    /// Whether the model expects BOS in front of its input, so that `encode(_:addBOS: true)` adds it:
    /// GGUF's `tokenizer.ggml.add_bos_token` (by default true for SentencePiece, false for byte-level
    /// models such as SmolLM2, which are trained without one).
    public internal(set) var addsBOS: Bool
    /// The model's Jinja chat template (GGUF `tokenizer.chat_template`, or `chat_template` of the
    /// `tokenizer_config.json` beside a tokenizer.json), if it ships one.
    public internal(set) var chatTemplate: String?

    let table: PieceTable
    let mergeRule: MergeRule
    let prefixRule: PrefixRule
    let decodedPrefix: DecodedPrefix
    /// Whether a run of unknown characters gives one unknown id (sentencepiece; `fuse_unk` in
    /// tokenizer.json) rather than one per character.
    let fusesUnknown: Bool
    /// Hugging Face added tokens, longest first, matched in the raw text before normalization.
    let addedTokens: [(bytes: [UInt8], id: Int)]
    /// Hugging Face's Metaspace `split`: no merge crosses a "▁" that starts a word.
    let splitsAtSpaces: Bool
    /// Ids of `<0x00>`...`<0xFF>`, or -1 where a byte piece is missing.
    let byteIDs: [Int32]
    /// Byte lengths of the user-defined pieces, longest first, for the longest-prefix match.
    let userDefinedLengths: [Int]
    /// Which bytes start an added token, so the raw-text scan skips the others at once.
    let addedTokenFirstBytes: [Bool]
    /// The byte-level engine, which encoding and decoding use instead of SentencePiece's when set.
    let byteLevel: ByteLevelBPE?

    /// The number of ids.
    public var vocabularySize: Int { pieces.count }

    /// The id of a piece spelled exactly as `piece` (as in `pieces`), if any: `id(forPiece: "<|im_start|>")`.
    public func id(forPiece piece: String) -> Int? { table.find(piece) }

    /// The piece text of `id`.
    public func piece(forID id: Int) -> String {
        precondition(pieces.indices.contains(id), "Tokenizer.piece(forID:): id \(id) outside 0..<\(pieces.count)")
        return pieces[id]
    }

    init(file: String, pieces: [String], scores: [Float], types: [PieceType],
         unknownID: Int?, bosID: Int?, eosID: Int?, padID: Int?, byteFallback: Bool,
         normalization: Normalization, unknownSurface: String = " \u{2047} ",
         mergeRule: MergeRule = .pieceScores, prefixRule: PrefixRule = .always,
         splitsAtSpaces: Bool = false, decodedPrefix: DecodedPrefix? = nil,
         addedTokens: [(bytes: [UInt8], id: Int)] = [], fusesUnknown: Bool = true, rejectDuplicates: Bool,
         byteLevel: ByteLevelBPE? = nil, addsBOS: Bool = true, chatTemplate: String? = nil) throws {
        precondition(pieces.count == scores.count && pieces.count == types.count,
                     "Tokenizer.init: \(pieces.count) pieces, \(scores.count) scores, \(types.count) types")
        for (name, id) in [("unk_id", unknownID), ("bos_id", bosID), ("eos_id", eosID), ("pad_id", padID)] {
            if let id, !pieces.indices.contains(id) {
                throw TokenizerError(file: file, field: name, reason: "id \(id) outside the vocabulary of \(pieces.count) pieces")
            }
        }
        let table = PieceTable(pieces: pieces)
        if rejectDuplicates, let duplicate = table.duplicates.first {
            throw TokenizerError(file: file, field: "pieces[\(duplicate)]", reason: "duplicate piece \(pieces[duplicate].debugDescription)")
        }
        var byteIDs = [Int32](repeating: -1, count: 256)
        for (id, type) in types.enumerated() where type == .byte {
            guard let byte = Tokenizer.byteValue(ofPiece: pieces[id]) else {
                throw TokenizerError(file: file, field: "pieces[\(id)]", reason: "byte piece \(pieces[id].debugDescription) is not <0xNN>")
            }
            if byteIDs[Int(byte)] < 0 { byteIDs[Int(byte)] = Int32(id) }
        }
        if byteFallback, let missing = byteIDs.firstIndex(of: -1) {
            throw TokenizerError(file: file, field: "pieces", reason: String(format: "byte fallback is on but piece <0x%02X> is missing", missing))
        }
        var lengths = Set<Int>()
        for (id, type) in types.enumerated() where type == .userDefined && !pieces[id].isEmpty {
            lengths.insert(pieces[id].utf8.count)
        }
        self.pieces = pieces
        self.scores = scores
        self.types = types
        self.unknownID = unknownID
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.byteFallback = byteFallback
        self.normalization = normalization
        self.unknownSurface = unknownSurface
        self.table = table
        self.mergeRule = mergeRule
        self.prefixRule = prefixRule
        self.splitsAtSpaces = splitsAtSpaces
        self.fusesUnknown = fusesUnknown
        self.addedTokens = addedTokens.sorted { $0.bytes.count > $1.bytes.count }
        var firstBytes = [Bool](repeating: false, count: 256)
        for token in addedTokens { if let first = token.bytes.first { firstBytes[Int(first)] = true } }
        self.addedTokenFirstBytes = firstBytes
        self.byteLevel = byteLevel
        self.addsBOS = addsBOS
        self.chatTemplate = chatTemplate
        self.decodedPrefix = decodedPrefix
            ?? (normalization.addDummyPrefix || normalization.removeExtraWhitespaces ? .firstPiece : .keep)
        self.byteIDs = byteIDs
        self.userDefinedLengths = lengths.sorted(by: >)
    }

    /// The byte a `<0xNN>` piece stands for.
    static func byteValue(ofPiece piece: String) -> UInt8? {
        let utf8 = Array(piece.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
              utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    /// Loads a tokenizer, telling the format from the file: `.json` (or text starting with "{") is
    /// Hugging Face's `tokenizer.json`, `.bin` is a llama2.c `tokenizer.bin`, anything else is read as
    /// a SentencePiece `tokenizer.model`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try MappedFile.contents(of: url.path)
        } catch let error as FormatError {
            throw TokenizerError(file: url.path, field: "file", reason: "cannot be read: \(error.message)")
        }
        let name = url.path
        let firstByte = data.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if url.pathExtension.lowercased() == "json" || firstByte == UInt8(ascii: "{") {
            self = try Tokenizer(huggingFaceJSON: data, file: name)
        } else if url.pathExtension.lowercased() == "bin" {
            self = try Tokenizer(llama2cTokenizer: data, file: name)
        } else {
            self = try Tokenizer(sentencePieceModel: data, file: name)
        }
    }
}
