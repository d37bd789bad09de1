/// What every Benchtop program does before anything else, in this order (benchtop, benchtop-bench,
/// benchtop-gpu-bench call it first thing in main).
public enum ProgramStart {
    /// Selects OpenBLAS kernels by CPU features where OpenBLAS fell back to generic ones on a CPU newer than its table
    /// (this re-executes the program once, so it comes first; BLASKernels says why), then keeps the forward passes'
    /// megabyte buffers in glibc's heap (HeapTuning says why).
    public static func tuneNumerics() {
        BLASKernels.selectByCPUFeatures()
        HeapTuning.keepLargeBlocks()
    }
}
