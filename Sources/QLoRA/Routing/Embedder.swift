import Tensor

/// Turns raw statements into fixed-size sentence embeddings for the router.
public protocol Embedder {
    /// The embedding width.
    var dimension: Int { get }
    /// One row per text: [texts.count, dimension].
    func embed(_ texts: [String]) throws -> Tensor
}
