import Foundation

/// Scaled dot-product attention of one query head over cached keys and values.
///
/// `keys`/`values` hold `length` rows of `headDim` floats; `visible(j)` says whether key j may be
/// attended (causality and padding). A query that sees no key gets zeros, where transformers
/// would produce an average of padding; such rows are padding themselves and never read.
@inline(__always)
func attendOneHead(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                   length: Int, headDim: Int, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                   visible: (Int) -> Bool) {
    let scale = 1 / Float(headDim).squareRoot()
    var maxScore = -Float.infinity
    for j in 0..<length {
        guard visible(j) else { scores[j] = -.infinity; continue }
        let k = keys + j * headDim
        var dot: Float = 0
        for d in 0..<headDim { dot += query[d] * k[d] }
        scores[j] = dot * scale
        maxScore = max(maxScore, scores[j])
    }
    for d in 0..<headDim { out[d] = 0 }
    guard maxScore > -.infinity else { return }
    var total: Float = 0
    for j in 0..<length {
        let e = scores[j] == -.infinity ? 0 : Foundation.exp(scores[j] - maxScore)
        scores[j] = e
        total += e
    }
    let inv = 1 / total
    for j in 0..<length where scores[j] != 0 {
        let w = scores[j] * inv, v = values + j * headDim
        for d in 0..<headDim { out[d] += w * v[d] }
    }
}
