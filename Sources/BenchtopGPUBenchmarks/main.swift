import ArgumentParser
import BenchtopBenchKit
import BenchtopNumerics
import BuiltinEmbodiments

// benchtop-gpu-bench: the render, closed-loop and depth VQ-VAE benchmarks of benchtop-bench without its video
// libraries (FFmpeg's ~130 shared libraries), so that scripts/bundle.sh can ship a lean bundle to GPU servers
// (docs/gpu.md).
struct GPUBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchtop-gpu-bench",
        abstract: "Render, closed-loop and depth VQ-VAE benchmarks for GPU servers (BENCHTOP_EGL_DEVICE picks the GPU).",
        subcommands: [RenderBench.self, EpisodesBench.self, DepthBench.self])
}

// OpenBLAS kernels by CPU features (the GPU servers' Xeons fall back to generic ones; may re-execute this program
// once) and glibc heap thresholds.
ProgramStart.tuneNumerics()

BuiltinEmbodiments.register()

GPUBenchCommand.main()
