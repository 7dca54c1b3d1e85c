import Tensor

/// Meta's checkpoints (and llama2.c and GGUF files made from them) rotate interleaved pairs
/// (x0, x1), (x2, x3), ...; Hugging Face rotates halves. Transformers' converter permutes the
/// rows of q_proj and k_proj per head so the halves layout computes the same function:
/// `w.view(heads, headDim / 2, 2, in).transpose(1, 2).reshape(out, in)`.
enum MetaRoPEPermutation {
    static func toHalves(_ w: Tensor, heads: Int) -> Tensor {
        let (out, inDim) = (w.shape[0], w.shape[1])
        return w.reshaped([heads, out / heads / 2, 2, inDim]).permuted([0, 2, 1, 3]).contiguous().reshaped([out, inDim])
    }
}
