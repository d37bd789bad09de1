import ArgumentParser
import BenchtopBenchKit

/// `benchtop-bench ...` (also reached as `benchtop bench ...`): the benchmarks named by each issue.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchtop-bench", abstract: "Run benchmarks.",
        subcommands: [
            PhysicsBench.self, RenderBench.self, RobotPhysicsBench.self, RecordBench.self, LoopBench.self,
            DepthBench.self, PolicyClientBench.self, ARMBench.self, EpisodesBench.self, ViewerBench.self,
        ])
}
