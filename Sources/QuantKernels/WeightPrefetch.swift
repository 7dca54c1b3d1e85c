/// `_mm_prefetch` is a C macro the importer cannot see; this names LLVM's prefetch intrinsic directly.
@usableFromInline @_silgen_name("llvm.prefetch.p0")
func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ dataCache: Int32)

/// How far ahead of its loads each row stream of the fast GEMV prefetches, into L2. A core walks four
/// row streams at once; with the hardware prefetcher alone the AVX-512 kernel read a 116 MB matrix at
/// about 29 GB/s on the project machine whatever the memory system offered. Prefetching 2-8 KB ahead
/// into L2 (which tracks more misses than L1) raised that to 31-50 GB/s; 384 bytes into L1 helped
/// far less.
@inlinable var prefetchDistance: Int { 4096 }

/// Asks for the weight bytes `prefetchDistance` ahead of `w` to be brought into L2. Inlinable for the
/// AVX2 and AVX-512 kernel targets' row loops.
@inlinable @inline(__always)
public func prefetchWeights(_ w: UnsafePointer<UInt8>) { llvmPrefetch(UnsafeRawPointer(w + prefetchDistance), 0, 2, 1) }
