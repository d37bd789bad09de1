internal import COpenBLAS

/// Keeps large freed blocks in the process's heap for reuse.
///
/// glibc serves blocks above its mmap threshold (128 KiB at start, raised as such blocks are freed) with fresh
/// mappings, and gives the heap's top back to the system once it passes the trim threshold. A forward pass that
/// allocates and frees megabyte feature maps on every call (the depth VQ-VAE's, up to 1.6 MB each at 320x320) then
/// page-faults all of them in again each time: with the thresholds below, encode took 13.5 instead of
/// 15.2 ms and decode 34 instead of 38 ms of thread CPU time on the 2-core AMD EPYC (docs/perf-depth.md). The cost
/// is that up to `trimThreshold` bytes of freed memory stay with the process.
public enum HeapTuning {
    /// Blocks up to this size come from the heap (32 MiB: glibc's largest allowed value on 64-bit).
    public static let mmapThreshold: Int32 = 32 << 20
    /// The heap's free top is returned to the system only beyond this.
    public static let trimThreshold: Int32 = 128 << 20

    /// Sets both thresholds; call once at the start of a program, before large allocations. Returns false where
    /// glibc refused either value (or on systems without glibc).
    @discardableResult
    public static func keepLargeBlocks() -> Bool {
        benchtop_keep_large_blocks(mmapThreshold, trimThreshold) == 1
    }
}
