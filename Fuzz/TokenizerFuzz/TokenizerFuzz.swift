// libFuzzer entry point for the tokenizer parsers (SentencePiece protobuf, llama2.c tokenizer.bin,
// Hugging Face tokenizer.json). Built with Fuzz/TokenizerFuzz/run.sh, not through SwiftPM.
//
// The first input byte picks the format; the rest is the file. A parser may throw TokenizerError but
// must never trap, and whatever parses must encode and decode without trapping. A byte-level tokenizer
// with all 256 byte pieces and no added tokens must also give back any text it encodes.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func tokenizerFuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let selector = start.load(as: UInt8.self)
    let data = Data(bytes: start + 1, count: count - 1)
    let tokenizer: Tokenizer
    do {
        switch selector % 3 {
        case 0: tokenizer = try Tokenizer(sentencePieceModel: data, file: "fuzz.model")
        case 1: tokenizer = try Tokenizer(llama2cTokenizer: data, file: "fuzz.bin")
        default: tokenizer = try Tokenizer(huggingFaceJSON: data, file: "fuzz.json")
        }
    } catch is TokenizerError {
        return 0
    } catch {
        fatalError("parser threw a non-TokenizerError: \(error)")
    }
    let roundTrips = tokenizer.byteLevel.map { !$0.byteIDs.contains(-1) && tokenizer.addedTokens.isEmpty } ?? false
    for text in ["", " ", "Hello  world\n", "é😀中 <s>\t", "a  1 it's 👩🏽‍💻\r\n", String(decoding: data.prefix(64), as: UTF8.self)] {
        _ = tokenizer.decode(tokenizer.encode(text, addBOS: true, addEOS: true))
        // BOS and EOS may be ordinary pieces in a fuzzed file, so the round trip goes without them.
        let ids = tokenizer.encode(text, addBOS: false)
        let decoded = tokenizer.decode(ids)
        if roundTrips && decoded != text { fatalError("byte-level round trip: \(text.debugDescription) -> \(ids) -> \(decoded.debugDescription)") }
    }
    _ = tokenizer.decode(Array(0..<min(tokenizer.vocabularySize, 300)))
    return 0
}
