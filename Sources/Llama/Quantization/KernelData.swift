import QuantKernels

extension QuantizedTensor {
    /// Runs `body` with pointers into the packed codes and a scale decoder.
    func withKernelData<R>(_ body: (UnsafePointer<UInt8>, ScaleSource) -> R) -> R {
        packed.withUnsafeBufferPointer { pp in
            switch scales {
            case .plain(let a):
                return a.withUnsafeBufferPointer {
                    body(pp.baseAddress!, ScaleSource(plain: $0.baseAddress!, codes: nil, nested: nil, map: nil, offset: 0, nestedShift: 0))
                }
            case .double(let codes, let nested, let offset, let nb, let map):
                precondition(nb > 0 && nb & (nb - 1) == 0, "QuantizedTensor: nested blocksize \(nb) is not a power of two")
                return codes.withUnsafeBufferPointer { cp in
                    nested.withUnsafeBufferPointer { np in
                        map.withUnsafeBufferPointer { mp in
                            body(pp.baseAddress!, ScaleSource(plain: nil, codes: cp.baseAddress!, nested: np.baseAddress!,
                                                              map: mp.baseAddress!, offset: offset, nestedShift: nb.trailingZeroBitCount))
                        }
                    }
                }
            }
        }
    }
}
