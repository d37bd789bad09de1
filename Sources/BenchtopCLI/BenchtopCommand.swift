import ArgumentParser

/// The `benchtop` command line.

public struct BenchtopCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "benchtop",
        abstract: "A workbench for action reasoning models in a Bullet tabletop simulator.",
        subcommands: [
            EvalCommand.self, RecordCommand.self, ReplayCommand.self, SceneCommand.self, SimCommand.self, RenderCommand.self,
            ViewCommand.self, EmbodimentsCommand.self, DepthCommand.self, MolmoActCommand.self, TokenizerCommand.self, DatasetCommand.self,
            BenchCommand.self, ReportCommand.self, CheckCommand.self,
        ])

    public init() {}
}
