import ArgumentParser
import BenchtopBenchKit
import BuiltinEmbodiments

// benchtop-gpu-bench: the render and closed-loop benchmarks of benchtop-bench without its video libraries (FFmpeg's
// ~130 shared libraries), so that scripts/bundle.sh can ship a lean bundle to GPU servers (docs/gpu.md).
struct GPUBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchtop-gpu-bench", abstract: "Render and closed-loop benchmarks for GPU servers (BENCHTOP_EGL_DEVICE picks the GPU).",
        subcommands: [RenderBench.self, EpisodesBench.self])
}

BuiltinEmbodiments.register()

GPUBenchCommand.main()
