// Process-wide allocator setting for the executables (training, rendering, the daemon, benchmarks).
// A training step creates and frees ~100 activation tensors of up to ~40 MB, a render ~60 per
// network call; by default glibc returns blocks that large to the kernel on every free and
// page-faults fresh zeroed pages on the next use (~7 % of a training step's CPU time, ~20 % of a
// 1-step render's). Call once at start-up from an executable; libraries never change it on their own.

public enum AllocatorTuning {
    /// Keeps freed blocks of any size inside the process for reuse (glibc only; no-op elsewhere).
    public static func retainLargeBlocks() {
        #if os(Linux)
        // Values from glibc's <malloc.h>, which Swift's Glibc module does not import.
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1
        _ = glibcMallopt(mmapThreshold, 1 << 30)
        _ = glibcMallopt(trimThreshold, Int32.max)
        #endif
    }
}

#if os(Linux)
// XXX: declared by hand because <malloc.h> is not in Swift's Glibc module map.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
