import ArgumentParser
import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPolicy
import BenchtopReasoning
import BenchtopRemote
import BenchtopScene
import EmbodimentKit
import Foundation

/// `benchtop eval SCENE --robot NAME --policy builtin --episodes N --seed S --out DIR`: the main job.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Run a policy in closed loop on a scene's task and write results and a report.")

    @Argument(help: "Scene file, or a name under scenes/.")
    var scene = "pick_cube"

    @Option(help: "Embodiment (default: the scene's robot).")
    var robot: String?

    @Option(help: "Policy: builtin (the embedded reference policy), molmoact=URL, molmoact2=URL or openpi=ws://HOST:PORT.")
    var policy = "builtin"

    @Option(help: "Norm stats JSON for molmoact (a config.json with norm_stats, or dataset_statistics.json).")
    var normStats: String?

    @Option(help: "Key of the norm stats to un-normalise with (e.g. libero_spatial_no_noops_modified).")
    var unnormKey: String?

    @Option(help: "Episodes to run.")
    var episodes = 10

    @Option(help: "Seed of the first episode; episode k uses seed + k.")
    var seed: UInt64 = 0

    @Option(help: "Output directory for results.json, episodes.csv and report.html.")
    var out = "out/eval"

    @Option(help: "Control mode (default: the embodiment's first).")
    var mode: String?

    @Option(help: "Control rate in Hz (default: the mode's rate).")
    var controlRate: Double?

    @Option(help: "Actions executed per chunk before the policy is asked again (n_action_steps).")
    var actionSteps = 8

    @Option(help: "Policy timing: paused or real-time.")
    var timing = "paused"

    @Option(help: "Horizon in control ticks (default: the task's time limit).")
    var horizon: Int?

    @Option(help: "Folder of data-only embodiment plugins to load.")
    var embodimentPath: String?

    @Flag(help: "Skip the per-episode mp4 videos.")
    var noVideo = false

    @OptionGroup var sweepOptions: SweepOptions

    func run() throws {
        if let embodimentPath { _ = try EmbodimentRegistry.shared.loadPlugins(at: embodimentPath) }
        if let sweep = sweepOptions.sweep {
            return try SweepCLI.run(specPath: sweep, shardText: sweepOptions.shard, workers: sweepOptions.workers, out: out,
                                    embodimentPath: embodimentPath)
        }
        guard let timingMode = PolicyTiming(rawValue: timing) else {
            throw BenchtopError("--timing must be one of: \(PolicyTiming.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let s = try loadScene(scene)
        let environment = try TabletopEnvironment(scene: s, robot: robot, mode: mode, controlRate: controlRate)
        let policyObject = try makePolicy(environment: environment)
        let ticks = horizon ?? Int((environment.task.timeLimit * environment.controlRate).rounded())
        let runner = EpisodeRunner(environment: environment, policy: policyObject,
                                   settings: RunnerSettings(horizon: ticks, actionSteps: actionSteps, timing: timingMode))
        let paths = PathRecorder()
        runner.subscribers.append(paths)
        let video = noVideo ? nil : EpisodeVideoRecorder(directory: "\(out)/videos", camera: environment.primaryCamera,
                                                       fps: Int(environment.controlRate.rounded()))
        if let video { runner.subscribers.append(video) }
        var results: [EpisodeResult] = []
        let progress = ProgressBar(total: episodes, label: "eval \(s.name)")
        for k in 0..<episodes {
            let r = runner.run(seed: seed + UInt64(k), task: environment.task.stages.map(\.name))
            results.append(r)
            progress.update(k + 1, note: "success \(results.filter(\.successAtEnd).count)/\(k + 1)")
        }
        progress.finish()
        let report = EvaluationReport(
            title: "\(s.name): \(policyObject.name) on \(environment.embodiment.name)",
            settings: [("scene", s.name), ("instruction", environment.task.instruction), ("embodiment", environment.embodiment.name),
                       ("control mode", environment.modeName), ("policy", policyObject.name), ("episodes", "\(episodes)"),
                       ("seeds", "\(seed) ... \(seed + UInt64(max(episodes, 1) - 1))"),
                       ("control rate", "\(environment.controlRate) Hz"), ("physics rate", "\(1 / s.physics.timeStep) Hz"),
                       ("horizon", "\(ticks) ticks"), ("action steps", "\(actionSteps)"), ("timing", timingMode.rawValue)],
            results: results, trajectories: paths.paths, videos: video?.paths.map { "videos/\($0)" } ?? [])
        for failure in video?.failures ?? [] { FileHandle.standardError.write(Data("video: \(failure)\n".utf8)) }
        try report.write(to: out)
        let summary = report.summary
        print(String(format: "%@: success %d/%d = %.1f%% (95%% interval %.1f-%.1f%%), progression %.2f, latency p50 %.2f ms",
                     s.name, summary.successes, summary.episodes, summary.successRate * 100, summary.successInterval.lowerBound * 100,
                     summary.successInterval.upperBound * 100, summary.meanProgression, (summary.latencyP50 ?? 0) * 1000))
        print("outcomes: " + summary.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("wrote \(out)/results.json, \(out)/episodes.csv, \(out)/report.html")
    }

    private func makePolicy(environment: TabletopEnvironment) throws -> any Policy {
        switch policy {
        case "builtin":
            let reference = ReferencePolicy(access: environment, chunkSize: max(8, actionSteps), executedSteps: actionSteps)
            let tokenizer = try GridDepthQuantizer.builtIn()
            reference.depthTokenizer = { depth in (try? tokenizer.encode(depth))?.codes }
            return reference
        default:
            guard RemotePolicyFactory.isRemote(policy) else {
                throw BenchtopError("unknown policy '\(policy)'; expected builtin, molmoact=URL, molmoact2=URL or openpi=ws://HOST:PORT")
            }
            do {
                return try RemotePolicyFactory.make(spec: policy, normStats: normStats, unnormKey: unnormKey,
                                                    embodiment: environment.embodiment.name)
            } catch {
                throw BenchtopError("\(error)")
            }
        }
    }
}

/// Collects each episode's end-effector path for the report's trajectory plot.
final class PathRecorder: EpisodeSubscriber {
    var paths: [[SIMD3<Double>]] = []
    func episodeDidReset(seed: UInt64, observation: Observation) { paths.append([]) }
    func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
        paths[paths.count - 1].append(info.endEffector)
    }
    func episodeDidEnd(_ result: EpisodeResult) {}
}
