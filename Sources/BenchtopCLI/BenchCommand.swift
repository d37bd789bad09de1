import ArgumentParser

/// `benchtop bench ...`: the benchmarks named by each issue.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Run benchmarks.",
                                                    subcommands: [PhysicsBench.self, PolicyClientBench.self])
}
