import BenchtopCLI
import BenchtopNumerics
import BuiltinEmbodiments

// OpenBLAS kernels by CPU features (may re-execute this program once) and glibc heap thresholds.
ProgramStart.tuneNumerics()

BuiltinEmbodiments.register()

BenchtopCommand.main()
