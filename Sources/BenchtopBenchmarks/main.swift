import BenchtopNumerics
import EmbodimentKit
import FrankaEmbodiment
import SOEmbodiment
import YAMEmbodiment

// benchtop-bench: the benchmarks each issue names, as their own executable (swift-nio's NIOPerformanceTester is
// the model) so the product CLI does not carry them; `benchtop bench ...` runs this program.

// OpenBLAS may have fallen back to generic kernels on a CPU newer than its table: select by CPU features
// (re-executes this program once with OPENBLAS_CORETYPE set; BenchtopNumerics/BLASKernels.swift says why).
BLASKernels.selectByCPUFeatures()

do {
    try EmbodimentRegistry.shared.register(FrankaPlugin.self)
    try EmbodimentRegistry.shared.register(YAMPlugin.self)
    try EmbodimentRegistry.shared.register(SOPlugin.self)
} catch {
    fatalError("built-in embodiment failed to register: \(error)")
}

BenchCommand.main()
