import BenchtopCLI
import BenchtopNumerics
import BuiltinEmbodiments

// OpenBLAS may have fallen back to generic kernels on a CPU newer than its table: select by CPU features
// (re-executes this program once with OPENBLAS_CORETYPE set; BenchtopNumerics/BLASKernels.swift says why).
BLASKernels.selectByCPUFeatures()
// Megabyte buffers freed and allocated again on every forward pass stay in the heap (HeapTuning says why).
HeapTuning.keepLargeBlocks()

BuiltinEmbodiments.register()

BenchtopCommand.main()
