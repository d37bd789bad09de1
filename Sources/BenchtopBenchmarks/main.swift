import BenchtopNumerics
import BuiltinEmbodiments

// benchtop-bench: the benchmarks each issue names, as their own executable (swift-nio's NIOPerformanceTester is
// the model) so the product CLI does not carry them; `benchtop bench ...` runs this program.

// OpenBLAS may have fallen back to generic kernels on a CPU newer than its table: select by CPU features
// (re-executes this program once with OPENBLAS_CORETYPE set; BenchtopNumerics/BLASKernels.swift says why).
BLASKernels.selectByCPUFeatures()
// Megabyte buffers freed and allocated again on every forward pass stay in the heap (HeapTuning says why).
HeapTuning.keepLargeBlocks()

BuiltinEmbodiments.register()

BenchCommand.main()
