import Foundation

extension Tokenizer {
    /// Parses a SentencePiece `tokenizer.model` (a serialized `ModelProto`).
    ///
    /// Field numbers follow `sentencepiece_model.proto`: `ModelProto` {1 pieces, 2 trainer_spec,
    /// 3 normalizer_spec}; `SentencePiece` {1 piece, 2 score, 3 type}; `TrainerSpec` {3 model_type,
    /// 24 treat_whitespace_as_suffix, 35 byte_fallback, 41 bos_id, 42 eos_id, 43 pad_id,
    /// 44 unk_surface}; `NormalizerSpec` {1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
    /// 4 remove_extra_whitespaces, 5 escape_whitespaces}. Defaults are the proto's; the unknown id is the piece of type UNKNOWN, as in `sentencepiece`.
    /// Only BPE models with the identity normalizer (no precompiled character map) are supported;
    /// others throw rather than tokenize differently from `sentencepiece`.
    /// - Parameter file: the name used in error messages.
    public init(sentencePieceModel data: Data, file: String) throws {
        var pieces: [String] = []
        var scores: [Float] = []
        var types: [PieceType] = []
        var spec = TrainerFields()
        var normalization = Normalization(addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true)
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var reader = ProtobufReader(bytes: bytes, range: 0..<bytes.count, file: file, context: "ModelProto")
            while !reader.isAtEnd {
                let (number, wire) = try reader.readKey()
                switch number {
                case 1:
                    let index = pieces.count
                    var message = try reader.readMessage(wire, field: "pieces[\(index)]")
                    let piece = try Tokenizer.readPiece(&message)
                    pieces.append(piece.text)
                    scores.append(piece.score)
                    types.append(piece.type)
                case 2:
                    var message = try reader.readMessage(wire, field: "trainer_spec")
                    try spec.read(&message)
                case 3:
                    var message = try reader.readMessage(wire, field: "normalizer_spec")
                    try Tokenizer.readNormalizer(&message, into: &normalization)
                default:
                    try reader.skip(wire, field: "field \(number)")
                }
            }
        }
        guard !pieces.isEmpty else {
            throw TokenizerError(file: file, field: "ModelProto.pieces", reason: "no pieces (not a SentencePiece model?)")
        }
        guard spec.modelType == 2 else {
            throw TokenizerError(file: file, field: "ModelProto.trainer_spec.model_type",
                                 reason: "model type \(spec.modelType) is not BPE (2); only BPE models are supported")
        }
        guard !spec.whitespaceAsSuffix else {
            throw TokenizerError(file: file, field: "ModelProto.trainer_spec.treat_whitespace_as_suffix", reason: "suffix whitespace is not supported")
        }
        // SentencePiece identifies special ids by piece type; the trainer_spec ids must agree.
        func checkedID(_ value: Int32, _ name: String) throws -> Int? {
            guard value >= 0 else { return nil }
            guard Int(value) < pieces.count else {
                throw TokenizerError(file: file, field: "ModelProto.trainer_spec.\(name)", reason: "id \(value) outside the vocabulary of \(pieces.count) pieces")
            }
            return Int(value)
        }
        guard let unknown = types.firstIndex(of: .unknown) else {
            throw TokenizerError(file: file, field: "ModelProto.pieces", reason: "no piece of type UNKNOWN")
        }
        try self.init(file: file, pieces: pieces, scores: scores, types: types,
                      unknownID: unknown,
                      bosID: try checkedID(spec.bosID, "bos_id"),
                      eosID: try checkedID(spec.eosID, "eos_id"),
                      padID: try checkedID(spec.padID, "pad_id"),
                      byteFallback: spec.byteFallback, normalization: normalization,
                      unknownSurface: spec.unknownSurface, rejectDuplicates: true)
    }

    private static func readPiece(_ reader: inout ProtobufReader) throws -> (text: String, score: Float, type: PieceType) {
        var text = "", score: Float = 0, type = PieceType.normal
        while !reader.isAtEnd {
            let (number, wire) = try reader.readKey()
            switch number {
            case 1: text = try reader.readString(wire, field: "piece")
            case 2: score = try reader.readFloat(wire, field: "score")
            case 3:
                let raw = try reader.readInt32(wire, field: "type")
                guard let parsed = PieceType(rawValue: Int(raw)) else {
                    throw reader.error("type", "unknown piece type \(raw)")
                }
                type = parsed
            default: try reader.skip(wire, field: "field \(number)")
            }
        }
        return (text, score, type)
    }

    private static func readNormalizer(_ reader: inout ProtobufReader, into normalization: inout Normalization) throws {
        while !reader.isAtEnd {
            let (number, wire) = try reader.readKey()
            switch number {
            case 2:
                try reader.expect(.lengthDelimited, got: wire, field: "precompiled_charsmap")
                let range = try reader.readLengthDelimited(field: "precompiled_charsmap")
                if !range.isEmpty {
                    throw reader.error("precompiled_charsmap", "a precompiled normalization map (\(range.count) bytes) is not supported; only the identity normalizer is")
                }
            case 3: normalization.addDummyPrefix = try reader.readBool(wire, field: "add_dummy_prefix")
            case 4: normalization.removeExtraWhitespaces = try reader.readBool(wire, field: "remove_extra_whitespaces")
            case 5: normalization.escapeWhitespaces = try reader.readBool(wire, field: "escape_whitespaces")
            default: try reader.skip(wire, field: "field \(number)")
            }
        }
    }
}

/// The `TrainerSpec` fields the encoder needs, with the proto's defaults.
private struct TrainerFields {
    var modelType: Int32 = 1
    var byteFallback = false
    var whitespaceAsSuffix = false
    var bosID: Int32 = 1
    var eosID: Int32 = 2
    var padID: Int32 = -1
    var unknownSurface = " \u{2047} "

    mutating func read(_ reader: inout ProtobufReader) throws {
        while !reader.isAtEnd {
            let (number, wire) = try reader.readKey()
            switch number {
            case 3: modelType = try reader.readInt32(wire, field: "model_type")
            case 24: whitespaceAsSuffix = try reader.readBool(wire, field: "treat_whitespace_as_suffix")
            case 35: byteFallback = try reader.readBool(wire, field: "byte_fallback")
            case 41: bosID = try reader.readInt32(wire, field: "bos_id")
            case 42: eosID = try reader.readInt32(wire, field: "eos_id")
            case 43: padID = try reader.readInt32(wire, field: "pad_id")
            case 44: unknownSurface = try reader.readString(wire, field: "unk_surface")
            default: try reader.skip(wire, field: "field \(number)")
            }
        }
    }
}
