/// Edits one step's logits before sampling, given the tokens this sequence has generated so far
/// (empty at the first step, so a new sequence is recognisable): constrained decoding masks the
/// tokens a grammar forbids with `-Float.infinity`.
public typealias LogitsProcessor = (_ generated: [Int], _ logits: inout [Float]) -> Void
