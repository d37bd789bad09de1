import ArgumentParser
import BenchtopBenchKit
import BenchtopNumerics
import BuiltinEmbodiments

// benchtop-gpu-bench: the render, closed-loop and depth VQ-VAE benchmarks of benchtop-bench without its video libraries (FFmpeg's
// ~130 shared libraries), so that scripts/bundle.sh can ship a lean bundle to GPU servers (docs/gpu.md).
struct GPUBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchtop-gpu-bench",
        abstract: "Render, closed-loop and depth VQ-VAE benchmarks for GPU servers (BENCHTOP_EGL_DEVICE picks the GPU).",
        subcommands: [RenderBench.self, EpisodesBench.self, DepthBench.self])
}

// OpenBLAS falls back to generic kernels on CPUs newer than its table (the GPU servers' Xeons among them): select
// by CPU features (re-executes this program once; BenchtopNumerics/BLASKernels.swift says why).
BLASKernels.selectByCPUFeatures()
// Megabyte buffers freed and allocated again every tick stay in the heap (HeapTuning says why).
HeapTuning.keepLargeBlocks()

BuiltinEmbodiments.register()

GPUBenchCommand.main()
