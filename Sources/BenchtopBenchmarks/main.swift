import BenchtopNumerics
import BuiltinEmbodiments

// benchtop-bench: the benchmarks each issue names, as their own executable (swift-nio's NIOPerformanceTester is
// the model) so the product CLI does not carry them; `benchtop bench ...` runs this program.

// OpenBLAS kernels by CPU features (may re-execute this program once) and glibc heap thresholds.
ProgramStart.tuneNumerics()

BuiltinEmbodiments.register()

BenchCommand.main()
