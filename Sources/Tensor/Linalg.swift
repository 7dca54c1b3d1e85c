import CLAPACKE

/// Dense factorizations through LAPACKE (row-major, Float32).
extension Tensor {
    /// Thin singular value decomposition of a 2-D tensor: `self = U diag(S) Vt` with
    /// U [m, k], S [k], Vt [k, n], k = min(m, n), singular values descending (`sgesdd`).
    public func svd() -> (u: Tensor, s: Tensor, vt: Tensor) {
        precondition(rank == 2, "svd: needs a 2-D tensor, got \(shape)")
        let m = shape[0], n = shape[1], k = Swift.min(m, n)
        let a = copy()
        let u = Tensor(zeros: [m, k]), s = Tensor(zeros: [k]), vt = Tensor(zeros: [k, n])
        if k == 0 { return (u, s, vt) }
        let info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n),
                                  a.storage.pointer, Int32(n), s.storage.pointer,
                                  u.storage.pointer, Int32(k), vt.storage.pointer, Int32(n))
        precondition(info == 0, "svd: LAPACKE_sgesdd failed with info \(info) for shape \(shape)")
        return (u, s, vt)
    }

    /// Thin QR decomposition of a 2-D tensor: `self = Q R`, Q [m, k] with orthonormal columns,
    /// R [k, n] upper triangular, k = min(m, n) (`sgeqrf` + `sorgqr`).
    public func qr() -> (q: Tensor, r: Tensor) {
        precondition(rank == 2, "qr: needs a 2-D tensor, got \(shape)")
        let m = shape[0], n = shape[1], k = Swift.min(m, n)
        let a = copy()
        let tau = Tensor(zeros: [Swift.max(k, 1)])
        var info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a.storage.pointer, Int32(n), tau.storage.pointer)
        precondition(info == 0, "qr: LAPACKE_sgeqrf failed with info \(info) for shape \(shape)")
        let r = Tensor(zeros: [k, n])
        for i in 0..<k {
            for j in i..<n { r.storage.pointer[i * n + j] = a.storage.pointer[i * n + j] }
        }
        let q = a.slice(axis: 1, start: 0, end: k).copy()
        if k > 0 {
            info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(k), Int32(k), q.storage.pointer, Int32(k), tau.storage.pointer)
            precondition(info == 0, "qr: LAPACKE_sorgqr failed with info \(info) for shape \(shape)")
        }
        return (q, r)
    }

    /// The thin SVD of the product `b a` ([m, r] x [r, n], r small) without forming it: with
    /// b = Qb Rb and aᵀ = Qa Ra, b a = Qb (Rb Raᵀ) Qaᵀ, so only the small core Rb Raᵀ goes through
    /// `sgesdd`. Returns min(m, n, r)-wide factors (the rest of the spectrum is zero).
    public static func svdOfProduct(_ b: Tensor, _ a: Tensor) -> (u: Tensor, s: Tensor, vt: Tensor) {
        precondition(b.rank == 2 && a.rank == 2 && b.shape[1] == a.shape[0],
                     "svdOfProduct: shapes \(b.shape) and \(a.shape) do not multiply")
        let (qb, rb) = b.qr()
        let (qa, ra) = a.transposed(0, 1).qr()
        let (uc, s, vtc) = rb.matmul(ra.transposed(0, 1)).svd()
        return (qb.matmul(uc), s, vtc.matmul(qa.transposed(0, 1)))
    }
}
