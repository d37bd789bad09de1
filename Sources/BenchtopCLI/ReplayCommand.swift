import ArgumentParser
import BenchtopBuilder
import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopRecording
import BenchtopScene
import BenchtopSessions
import BenchtopViewer
import EmbodimentKit
import Foundation

/// `benchtop replay DATASET --episode N [--view] [--robot NAME]`: re-executes a recorded episode's actions and
/// reports how far the robot and objects diverge from the recording.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a dataset episode's actions in simulation and report per-step divergence from the recording.",
        discussion: """
            A Benchtop recording is rebuilt from meta/benchtop.json (scene text, seed, robot, mode, rates) and compared
            with meta/benchtop/episode-N.json state by state; exact replays report 0. With --robot, any LeRobot dataset's
            joint actions are sent to that embodiment (names matched ignoring 'main_' and '.pos', units from its mode),
            and the simulated state is compared with the dataset's observation.state.
            """)

    @Argument(help: "Dataset folder.") var dataset: String
    @Option(help: "Episode index.") var episode = 0
    @Flag(help: "Play the replay in the viewer window.") var view = false
    @Option(help: "Replay an external dataset's joint actions on this embodiment.") var robot: String?
    @Option(help: "Control mode for --robot (default: the embodiment's first joint-position mode).") var mode: String?
    @Option(help: "Scene for --robot (default: pick_cube).") var scene: String?
    @Flag(help: "Print every step's divergence.") var perStep = false
    @OptionGroup var plugins: EmbodimentPathOptions
    @Option(help: "Exit the viewer after this many frames (scripted runs).") var frames: Int?
    @Option(help: "Write a PNG screenshot of the viewer when it ends.") var screenshot: String?

    func validate() throws {
        try FlagRules.check("--episode", episode, in: 0...100_000_000)
        try FlagRules.check("--frames", frames, in: 1...100_000_000)
        try FlagRules.onlyWhen(view, [("--frames", frames != nil), ("--screenshot", screenshot != nil)], "with --view")
        let external = robot != nil
        try FlagRules.onlyWhen(external, [("--mode", mode != nil), ("--scene", scene != nil)], "with --robot (replaying an external dataset)")
        try FlagRules.onlyWhen(
            !external, [("--view", view), ("--per-step", perStep)], "when replaying a Benchtop recording (not with --robot)")
    }

    func run() throws {
        try plugins.load()
        if let robot { return try replayExternal(robot: robot) }
        do { try replayRecording() } catch let e as EmbodimentError where plugins.paths.isEmpty {
            throw BenchtopError("\(e.description) (a recording made with a data-only plugin replays with --embodiment-path DIR)")
        }
    }

    private func replayRecording() throws {
        let report: ReplayReport
        if view {
            let session = try ReplaySession(root: dataset, episode: episode, allowsOutsideRoot: plugins.allowOutsideRoot)
            let sim = ReplayViewerSimulation(session: session)
            try runViewer(env: session.environment, simulation: sim, title: "replay \(dataset) episode \(episode)")
            report = session.report
        } else {
            report = try Replayer.replay(root: dataset, episode: episode, allowsOutsideRoot: plugins.allowOutsideRoot)
        }
        if perStep {
            for (k, (r, o)) in zip(report.robotDivergence, report.objectDivergence).enumerated() {
                print(String(format: "step %4d robot %.3e object %.3e", k, r, o))
            }
        }
        let first = report.firstDivergingStep.map { "step \($0)" } ?? "none"
        print(
            "episode \(report.episode) (seed \(report.seed)): \(report.steps) steps replayed; max divergence robot \(report.maxRobotDivergence) (rad, rad/s), objects \(report.maxObjectDivergence) (m, quaternion); first diverging step: \(first); task \(report.success ? "succeeded" : "not completed"); final state digest \(report.finalStateDigest)"
        )
        if report.firstDivergingStep != nil { throw ExitCode(2) }
    }

    private func runViewer(env: TabletopEnvironment, simulation: ViewerSimulation, title: String) throws {
        var options = ViewerOptions()
        options.title = title
        options.frames = frames
        options.screenshotPath = screenshot
        options.cameras = env.cameraNames
        options.vsync = frames == nil
        let viewer = try ViewerFailure.openViewer(scene: env.scene, simulation: simulation, options: options)
        do { _ = try viewer.run() } catch { throw ViewerFailure(message: error.description) }
    }

    // MARK: - External datasets

    static func normalized(_ name: String) -> String {
        var n = name.lowercased()
        if n.hasPrefix("main_") { n.removeFirst(5) }
        if n.hasSuffix(".pos") { n.removeLast(4) }
        return n
    }

    private func replayExternal(robot: String) throws {
        let data = try LeRobotDataset(root: dataset, allowsOutsideRoot: plugins.allowOutsideRoot)
        guard let actionFeature = data.schema.features.first(where: { $0.name == "action" }), let names = actionFeature.names else {
            throw BenchtopError("\(dataset)/meta/info.json: features.action needs per-dimension names to map onto \(robot)'s joints")
        }
        let descriptor = try EmbodimentRegistry.shared.embodiment(named: robot)
        let jointModes = descriptor.controlModes.filter { $0.kind == .jointPosition }
        guard let m = mode.flatMap({ descriptor.controlMode($0) }) ?? jointModes.first else {
            throw BenchtopError("embodiment '\(robot)' has no joint-position mode; modes: \(descriptor.controlModes.map(\.name))")
        }
        // Dataset column of each action channel of the mode.
        let columns = try m.action.map { channel -> Int in
            guard let i = names.firstIndex(where: { Self.normalized($0) == Self.normalized(channel.name) }) else {
                throw BenchtopError(
                    "\(dataset)/meta/info.json: features.action.names \(names) has no entry for \(robot) '\(m.name)' channel '\(channel.name)'")
            }
            return i
        }
        let stateNames = data.schema.features.first { $0.name == "observation.state" }?.names
        let stateColumns = stateNames.map { sn in m.state.map { ch in sn.firstIndex { Self.normalized($0) == Self.normalized(ch.name) } } }
        let base = try loadScene(scene ?? "pick_cube")
        let rate = Double(data.schema.fps)
        var builder = EvaluationBuilder(scene: base, robot: robot)
        builder.mode = m.name
        builder.controlRate = rate
        builder.rendersImages = false
        let env = try builder.makeEnvironment()
        _ = try env.reset(seed: 0)
        let e = try data.episode(episode)
        let width = actionFeature.width
        let states = e.values["observation.state"]
        let stateWidth = data.schema.features.first { $0.name == "observation.state" }?.width ?? 0
        // Start at the first recorded state when there is one, so tracking begins where the real robot was.
        if let states, let stateColumns, stateColumns.allSatisfy({ $0 != nil }) {
            var first = [Double](repeating: 0, count: m.action.count)
            for (k, c) in stateColumns.enumerated() { first[k] = states[c!] }
            try env.controller.apply(action: first)
            env.world.setJointPositions(articulation: env.controller.articulation, env.controller.targets)
        }
        var worst = 0.0
        var worstStep = 0
        var sent: [[Double]] = []
        for t in 0..<e.length {
            let row = Array(e.values["action"]![t * width..<(t + 1) * width])
            let action = columns.map { row[$0] }
            sent.append(action)
            _ = try env.step(action)
            if let states, let stateColumns, t + 1 < e.length {
                let recorded = Array(states[(t + 1) * stateWidth..<(t + 2) * stateWidth])
                let ours = env.controller.state()
                for (k, c) in stateColumns.enumerated() {
                    guard let c else { continue }
                    let d = abs(ours[k] - recorded[c])
                    if d > worst {
                        worst = d
                        worstStep = t + 1
                    }
                }
            }
        }
        print(
            "replayed \(e.length) actions of episode \(episode) on \(robot) ('\(m.name)' mode, \(Int(rate)) Hz); columns \(columns.map { names[$0] })"
        )
        if stateColumns != nil {
            print(String(format: "largest |simulated - recorded observation.state| %.3f (dataset units) at step %d", worst, worstStep))
        }
    }
}
