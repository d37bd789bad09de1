import BenchtopCLI
import BenchtopNumerics
import EmbodimentKit
import FrankaEmbodiment
import SOEmbodiment
import YAMEmbodiment

// OpenBLAS may have fallen back to generic kernels on a CPU newer than its table: select by CPU features
// (re-executes this program once with OPENBLAS_CORETYPE set; BenchtopNumerics/BLASKernels.swift says why).
BLASKernels.selectByCPUFeatures()

// Built-in embodiments are registered explicitly (Swift has no load-time constructors); a third-party
// executable lists its own plugins the same way.
do {
    try EmbodimentRegistry.shared.register(FrankaPlugin.self)
    try EmbodimentRegistry.shared.register(YAMPlugin.self)
    try EmbodimentRegistry.shared.register(SOPlugin.self)
} catch {
    fatalError("built-in embodiment failed to register: \(error)")
}

BenchtopCommand.main()
