import ArgumentParser
import BenchtopBuilder
import BenchtopCore
import BenchtopEval
import BenchtopEvalVideo
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopRemote
import BenchtopScene
import BenchtopSessions
import BenchtopVariation
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

    @Option(
        help:
            "Policy: builtin (the embedded reference policy), arm (the shipped Benchtop ARM) or arm=PATH, molmoact=URL, molmoact2=URL or openpi=ws://HOST:PORT (default: builtin; with --sweep, the spec's)."
    )
    var policy: String?

    @Option(help: "Norm stats JSON for molmoact (a config.json with norm_stats, or dataset_statistics.json).")
    var normStats: String?

    @Option(help: "Key of the norm stats to un-normalise with (e.g. libero_spatial_no_noops_modified).")
    var unnormKey: String?

    @Option(help: "Episodes to run (default: 10).")
    var episodes: Int?

    @Option(help: "Seed of the first episode; episode k uses seed + k (default: 0).")
    var seed: UInt64?

    @Option(help: "Output directory for results.json, episodes.csv and report.html.")
    var out = "out/eval"

    @Option(help: "Control mode (default: the embodiment's first).")
    var mode: String?

    @Option(help: "Control rate in Hz (default: the mode's rate).")
    var controlRate: Double?

    @Option(help: "Actions executed per chunk before the policy is asked again (n_action_steps; default: 8).")
    var actionSteps: Int?

    @Option(help: "Policy timing: paused or real-time (default: paused).")
    var timing: String?

    @Option(help: "Horizon in control ticks (default: the task's time limit).")
    var horizon: Int?

    @Option(help: "Folder of data-only embodiment plugins to load.")
    var embodimentPath: String?

    @Flag(help: "Skip the per-episode mp4 videos.")
    var noVideo = false

    @Flag(help: "Skip the reasoning panels (per-episode reasoning mp4 and the report's contact sheets).")
    var noPanels = false

    @Option(help: "Perturbation spec (YAML): run the unperturbed baseline and each perturbation over the same seeds and report them side by side.")
    var perturb: String?

    @Flag(help: "Clamp every action to the joint limits and the gripper range (a stage after any perturbation).")
    var safetyLimits = false

    @OptionGroup var sweepOptions: SweepOptions

    @OptionGroup var remoteOptions: RemotePolicyOptions

    @Flag(
        help:
            "Run the closed loop live in the viewer, with reasoning panels, a timeline ([ and ]) and mouse steering (needs a display; xvfb-run -a on a headless machine)."
    )
    var view = false

    @Option(help: "With --view: exit after this many frames, one control tick each (scripted runs).")
    var frames: Int?

    @Option(help: "With --view: write a PNG screenshot here when the run ends.")
    var screenshot: String?

    @Option(help: "With --view: window size WIDTHxHEIGHT.")
    var size = "1280x800"

    @Option(help: .hidden)
    var steer: String?

    /// Frames before the --steer stroke starts (scripted runs: a stroke across an episode boundary).
    @Option(help: .hidden)
    var steerAfter = 0

    @Flag(help: "Replace the results in a --out folder that is already used (its earlier contents are removed first).")
    var overwrite = false

    func validate() throws { try EvalFlagRules(self).check() }

    func run() throws {
        if let embodimentPath { _ = try EmbodimentRegistry.shared.loadPlugins(at: embodimentPath) }
        let output: EvalOutput
        do { output = try EvalOutput.prepare(out, overwrite: overwrite) } catch let e as EvalOutputError { throw BenchtopError(e.description) }
        if let sweep = sweepOptions.sweep { return try runSweep(specPath: sweep) }
        guard let timingMode = PolicyTiming(rawValue: timing ?? "paused") else {
            throw BenchtopError("--timing must be one of: \(PolicyTiming.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let s = try loadScene(scene)
        if view && perturb != nil { throw BenchtopError("--view shows one live run; leave out --perturb (or run it without --view)") }
        guard let perturb else {
            let run = try evaluate(scene: s, timing: timingMode, perturbation: nil, out: output)
            printSummary(run.report, scene: s.name)
            print("wrote \(out)/results.json, \(out)/episodes.csv, \(out)/report.html")
            if let failure = run.report.summary.noTaskOutcomeFailure { throw BenchtopError(failure) }
            return
        }
        let spec: PerturbationSpec
        do { spec = try PerturbationSpec.load(path: perturb) } catch let e as PerturbationError { throw BenchtopError(e.description) }
        // Against the scene and robot before the baseline runs: a bad camera must not cost the baseline's episodes.
        var probe = EvaluationBuilder(scene: s, robot: robot)
        probe.mode = mode
        probe.controlRate = controlRate
        do { try spec.check(against: try probe.makeEnvironment(), file: perturb) } catch let e as PerturbationError {
            throw BenchtopError(e.description)
        }
        var variants: [PerturbationReport.Variant] = []
        for p in [nil] + spec.perturbations.map(Optional.some) {
            let name = p?.name ?? "baseline"
            let run = try evaluate(scene: s, timing: timingMode, perturbation: p.map { ($0, spec.seed) }, out: try output.variant(name))
            printSummary(run.report, scene: "\(s.name) [\(name)]")
            variants.append(
                .init(
                    name: name, description: p?.description ?? "unperturbed", results: run.report.results,
                    contactSheet: run.report.contactSheets.first ?? nil, events: run.events))
        }
        let report = PerturbationReport(title: "Perturbations: \(s.name), policy \(policySpec)", specYAML: spec.yaml, variants: variants)
        try report.write(to: out)
        print("wrote \(out)/results.json, \(out)/perturbations.csv, \(out)/report.html (each variant's own report in its folder)")
        if let failure = RunSummary(variants.flatMap(\.results)).noTaskOutcomeFailure { throw BenchtopError(failure) }
    }

    private var policySpec: String { policy ?? "builtin" }
    private var episodeCount: Int { episodes ?? 10 }
    private var firstSeed: UInt64 { seed ?? 0 }

    /// `--sweep`: the spec holds the scene, robot, policy, episodes, seed, mode, rates and horizon; the flags that
    /// would set them again must agree with it or stay out, and flags a sweep has no use for are refused.
    private func runSweep(specPath: String) throws {
        let spec: SweepSpec
        do { spec = try SweepSpec.load(path: specPath) } catch let e as VariationError { throw BenchtopError(e.description) }
        if let policy, policy != spec.policy {
            throw BenchtopError(
                "--policy \(policy) disagrees with the sweep spec's policy: \(spec.policy) (\(specPath)); edit the spec or leave out --policy")
        }
        do { _ = try PolicySpec(parsing: spec.policy) } catch let e as PolicySpecError { throw BenchtopError("\(specPath): policy: \(e.message)") }
        var refused: [String] = []
        if episodes != nil { refused.append("--episodes (the spec's episodes: \(spec.episodes))") }
        if seed != nil { refused.append("--seed (the spec's seed: \(spec.seed))") }
        if robot != nil { refused.append("--robot (the spec's robot: \(spec.robot ?? "the scene's"))") }
        if mode != nil { refused.append("--mode (the spec's mode:)") }
        if controlRate != nil { refused.append("--control-rate (the spec's control_rate:)") }
        if horizon != nil { refused.append("--horizon (the spec's horizon:)") }
        if actionSteps != nil { refused.append("--action-steps (the spec's action_steps:)") }
        if timing != nil { refused.append("--timing (sweeps run paused)") }
        if perturb != nil { refused.append("--perturb (a sweep varies scenes; run perturbations on their own)") }
        if view { refused.append("--view") }
        if safetyLimits { refused.append("--safety-limits (not a sweep setting yet)") }
        if scene != "pick_cube" { refused.append("the scene argument (the spec's scene: \(spec.scene))") }
        guard refused.isEmpty else {
            throw BenchtopError("--sweep takes its settings from \(specPath); set them there instead of: \(refused.joined(separator: ", "))")
        }
        var policyOptions = PolicyOptions(normStats: normStats, unnormKey: unnormKey)
        policyOptions.remote = try remoteOptions.settings()
        try SweepCLI.run(
            specPath: specPath, spec: spec, shardText: sweepOptions.shard, workers: sweepOptions.workers, out: out,
            embodimentPath: embodimentPath, policyOptions: policyOptions)
    }

    private func printSummary(_ report: EvaluationReport, scene: String) {
        let summary = report.summary
        print(
            String(
                format: "%@: success %d/%d = %.1f%% (95%% interval %.1f-%.1f%%), progression %.2f, latency p50 %.2f ms",
                scene, summary.successes, summary.episodes, summary.successRate * 100, summary.successInterval.lowerBound * 100,
                summary.successInterval.upperBound * 100, summary.meanProgression, (summary.latencyP50 ?? 0) * 1000))
        print("outcomes: " + summary.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        summary.policyErrorLines.forEach { print($0) }
    }

    /// Runs the episodes (optionally with one perturbation between policy and robot) and writes the report to `out`.
    private func evaluate(scene s: Scene, timing timingMode: PolicyTiming, perturbation: (Perturbation, UInt64)?, out output: EvalOutput) throws
        -> (report: EvaluationReport, events: Int)
    {
        let out = output.directory
        var builder = EvaluationBuilder(scene: s, robot: robot)
        builder.mode = mode
        builder.controlRate = controlRate
        do { builder.policy = try PolicySpec(parsing: policySpec) } catch let e as PolicySpecError { throw BenchtopError(e.message) }
        builder.policyOptions = PolicyOptions(normStats: normStats, unnormKey: unnormKey, actionSteps: actionSteps ?? 8)
        builder.policyOptions.remote = try remoteOptions.settings()
        builder.horizon = horizon
        builder.timing = timingMode
        // The built-in policy reads the world, not the images: without videos and panels nothing needs them.
        if builder.policy == .builtin && noVideo && noPanels && !view { builder.rendersImages = false }
        builder.perturbation = perturbation.map { (perturbation: $0.0, seed: $0.1) }
        if safetyLimits { builder.safetyLimits = SafetyLimits() }
        var gated: GatedEnvironment?
        let evaluation: Evaluation
        do {
            evaluation = try builder.build(
                wrap: view
                    ? { environment in
                        try environment.prepare(seed: firstSeed)  // the viewer shows the first episode's world from the start
                        let gate = GatedEnvironment(environment, timeline: ReasoningTimeline(camera: environment.primaryCamera, directory: out))
                        gated = gate
                        return gate
                    } : nil)
        } catch let e as PerturbationError {
            throw BenchtopError(e.description)
        } catch let e as PolicySpecError {
            throw BenchtopError(e.message)
        }
        let environment = evaluation.environment
        let runner = evaluation.runner
        let policyObject = evaluation.policy
        gated?.policy = policyObject
        let paths = PathRecorder()
        runner.subscribers.append(paths)
        runner.subscribers.append(try EpisodeJournal(output: output))
        let fps = Int(environment.controlRate.rounded())
        let video = noVideo ? nil : EpisodeVideoRecorder(directory: "\(out)/videos", camera: environment.primaryCamera, fps: fps)
        if let video { runner.subscribers.append(video) }
        var panelVideo: ReasoningVideoRecorder?
        var sheets: ContactSheetRecorder?
        if let gated {
            gated.timeline.cameraModel = { try? environment.primaryPinhole() }
            if noPanels { runner.subscribers.append(gated.timeline) }
        } else if noPanels {
            // The parsed reasoning is always written (timeline/episode_NNN.jsonl), panels or not.
            let log = ReasoningTimeline(camera: environment.primaryCamera, directory: out)
            log.keepsImages = false
            runner.subscribers.append(log)
        }
        if !noPanels {
            let timeline = gated?.timeline ?? ReasoningTimeline(camera: environment.primaryCamera, directory: out)
            timeline.cameraModel = { try? environment.primaryPinhole() }
            runner.subscribers.append(timeline)
            let tokenizer = try PolicyFactory.depthTokenizer()
            if !noVideo {
                panelVideo = ReasoningVideoRecorder(
                    timeline: timeline, panel: ReasoningPanel(tokenizer: tokenizer, tile: 256),
                    directory: "\(out)/videos", fps: fps)
                runner.subscribers.append(panelVideo!)
            }
            sheets = ContactSheetRecorder(
                timeline: timeline, panel: ReasoningPanel(tokenizer: tokenizer, tile: 160, showsTokenNumbers: false),
                directory: "\(out)/sheets")
            runner.subscribers.append(sheets!)
        }
        var results: [EpisodeResult] = []
        if let gated {
            let session = EvalViewSession(gated: gated, runner: runner, tokenizer: try PolicyFactory.depthTokenizer())
            let parts = size.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 >= 64 && $0 <= 8192 }) else {
                throw BenchtopError("--size must look like 1280x800, got '\(size)'")
            }
            session.size = (parts[0], parts[1])
            session.frames = frames
            session.screenshot = screenshot
            if let steer { session.scriptedStroke = try Self.parseStroke(steer) }
            session.scriptedStrokeDelay = max(steerAfter, 0)
            results = try session.run(episodes: episodeCount, firstSeed: firstSeed, stages: environment.task.stages.map(\.name))
        }
        let progress = ProgressBar(total: gated == nil ? episodeCount : 0, label: "eval \(s.name)" + (perturbation.map { " [\($0.0.name)]" } ?? ""))
        for k in 0..<(gated == nil ? episodeCount : 0) {
            results.append(evaluation.run(seed: firstSeed + UInt64(k)))
            progress.update(k + 1, note: "success \(results.filter(\.successAtEnd).count)/\(k + 1)")
        }
        progress.finish()
        var settings = [
            ("scene", s.name), ("instruction", environment.task.instruction), ("embodiment", environment.embodiment.name),
            ("control mode", environment.modeName), ("policy", policyObject.name),
            // Under --view the window may close early: count the episodes that ran, not those asked for.
            ("episodes", gated == nil ? "\(episodeCount)" : "\(results.count) of \(episodeCount) requested"),
            ("seeds", "\(firstSeed) ... \(firstSeed + UInt64(max(gated == nil ? episodeCount : results.count, 1) - 1))"),
            ("control rate", "\(environment.controlRate) Hz"), ("physics rate", "\(1 / s.physics.timeStep) Hz"),
            ("horizon", "\(evaluation.horizon) ticks"), ("action steps", "\(actionSteps ?? 8)"), ("timing", timingMode.rawValue),
        ]
        if let (p, pseed) = perturbation { settings += [("perturbation", "\(p.name): \(p.description)"), ("perturbation seed", "\(pseed)")] }
        if gated != nil {
            let steered = results.enumerated().filter { $0.element.steered }
            settings.append(
                (
                    "steered episodes",
                    "\(steered.count) of \(results.count)"
                        + (steered.isEmpty ? "" : " (seeds \(steered.map { "\($0.element.seed)" }.joined(separator: ", ")))")
                ))
        }
        if let limits = evaluation.safetyLimits { settings.append(("safety limits", "\(limits.clampedValues) values clamped")) }
        var report = EvaluationReport(
            title: "\(s.name): \(policyObject.name) on \(environment.embodiment.name)" + (perturbation.map { " [\($0.0.name)]" } ?? ""),
            settings: settings, results: results, trajectories: paths.paths, videos: video?.paths.map { "videos/\($0)" } ?? [])
        report.contactSheets = sheets?.paths ?? []
        for failure in (video?.failures ?? []) + (panelVideo?.failures ?? []) + (sheets?.failures ?? []) {
            FileHandle.standardError.write(Data("video: \(failure)\n".utf8))
        }
        try report.write(to: out)
        if let stage = evaluation.perturbation {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let lines = try stage.events.map { String(decoding: try enc.encode($0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(
                toFile: "\(out)/perturbation_log.jsonl", atomically: true, encoding: .utf8)
        }
        return (report, evaluation.perturbation?.events.count ?? 0)
    }

    /// `--steer "x1,y1;x2,y2;..."`: a mouse stroke in primary-camera image pixels.
    static func parseStroke(_ text: String) throws -> [SIMD2<Double>] {
        let points = try text.split(separator: ";").map { part -> SIMD2<Double> in
            let xy = part.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard xy.count == 2, let x = xy[0], let y = xy[1] else {
                throw BenchtopError("--steer: '\(part)' is not a point; expected \"x1,y1;x2,y2;...\" in primary-camera pixels")
            }
            return SIMD2(x, y)
        }
        guard points.count >= 2 else { throw BenchtopError("--steer needs at least two points, got \(points.count)") }
        return points
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
