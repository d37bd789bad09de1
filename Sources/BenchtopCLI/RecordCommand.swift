import ArgumentParser
import BenchtopDataset
import BenchtopEval
import BenchtopReasoning
import BenchtopRecording
import BenchtopScene
import BenchtopSessions
import BenchtopTeleop
import EmbodimentKit
import Foundation

/// `benchtop record SCENE --robot NAME --episodes N --out recordings/NAME [--teleop DEVICE]`:
/// teleoperated or scripted demonstrations as a LeRobot dataset with MolmoAct annotations.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract:
            "Record demonstrations (keyboard, gamepad, mouse, SpaceMouse, leader arms or scripted teleoperation) as a LeRobot dataset with action-reasoning annotations.",
        discussion: """
            Writes OUT (a LeRobot v3.0 dataset with observation.images.<camera>, observation.state and action, which
            current LeRobot trains on; meta/benchtop.json and meta/benchtop/ hold what `benchtop replay` needs) and
            OUT_molmoact (16-bit depth PNGs in mm, per-episode annotations, the MolmoAct fine-tuning table
            data/train-00000-of-00001.parquet and dataset_statistics.json; `benchtop dataset molmoact OUT` rebuilds them
            after a crash). --style molmoact also exports the MolmoAct v1 layout (image, wrist_image, gripper +1 = close,
            v2.1 for lerobot 0.3.3) to OUT_molmoact/lerobot. Each episode's scene is re-randomised with
            seed = --seed + attempt. Scripted teleoperation keeps successful episodes only unless --keep-failures.
            Interactive devices (docs/teleop.md): keyboard, gamepad, mouse (drag the target marker), spacemouse
            (spacenavd), so-leader (SO-100/101 leader arm: --leader-port, --leader-calibration), dynamixel-leader
            (GELLO-style leaders: --leader-config). Each episode waits at a ready prompt for Enter.
            """)

    @Argument(help: "Scene file, or a name under scenes/.") var scene = "pick_cube"
    @Option(help: "Embodiment (default: the scene's robot).") var robot: String?
    @Option(help: "Episodes to record (with --resume: episodes to add; default: 10).") var episodes: Int?
    @Option(help: "Dataset folder.") var out = "recordings/demo"
    @Option(help: "Teleoperation: keyboard, gamepad, mouse, spacemouse, so-leader, dynamixel-leader or scripted.") var teleop = "scripted"
    @Option(help: "Frames per second = control rate (default: the control mode's rate).") var fps: Int?
    @Option(help: "LeRobot layout: v3.0 (default; lerobot >= 0.4) or v2.1 (lerobot 0.3.x, openpi, GR00T). With --resume: the folder's.")
    var format: String?
    @Flag(help: "Append to an existing recording (robot, mode, scene, fps and features must match).") var resume = false
    @Option(help: "Control mode (default: the embodiment's first).") var mode: String?
    @Option(
        help:
            "molmoact2 (default: observation.images.*, what LeRobot trains on) or molmoact (the same dataset, plus the MolmoAct v1 layout exported to OUT_molmoact/lerobot)."
    )
    var style: String?
    @Option(
        help:
            "MolmoAct depth VQ-VAE weights converted to safetensors (tools/convert_depth_vqvae.py) for the companion's depth tokens; default: Benchtop's built-in tokenizer."
    )
    var vqvae: String?
    @Option(help: "Seed of the first episode.") var seed: UInt64 = 0
    @Option(
        help:
            "Scripted: try exactly the seeds --seed ..< --seed + N once each (instead of --episodes), keeping the successes; consecutive ranges shard a recording (`benchtop dataset merge`)."
    )
    var attempts: Int?
    @Option(help: "Render every observation camera at this square size (default: the cameras' sizes, 256x256 for the shipped ones).")
    var imageSize: Int?
    @Option(help: "Episode time limit in seconds (default: 60 s interactive, as lerobot-record; scripted: the task's time limit).")
    var episodeTime: Double?
    @Option(help: "Reset period between interactive episodes, seconds (default: 2; the scene is rebuilt; the ready prompt follows).")
    var resetTime: Double?
    @Flag(inversion: .prefixedNo, help: "Interactive: wait for Enter (gamepad A) before each episode.") var readyPrompt = true
    @Option(help: "Interactive: write one JSON line per control tick (phase, TCP, target, gripper, contacts, objects).")
    var teleopLog: String?
    @Option(help: "gamepad: SDL GameControllerDB file (gamecontrollerdb.txt) to add to GLFW's built-in mappings.")
    var gamepadMappings: String?
    @Option(help: "spacemouse: spacenavd's socket (default: $SPNAV_SOCKET, /etc/spnavrc's socket, /var/run/spnav.sock).")
    var spacemouseSocket: String?
    @Option(help: "so-leader: the leader's serial port, e.g. /dev/ttyACM0 (better /dev/serial/by-id/...).") var leaderPort: String?
    @Option(help: "so-leader: bus baud rate (LeRobot's Feetech default 1000000).") var leaderBaud = SOLeaderArm.defaultBaudRate
    @Option(help: "so-leader: LeRobot calibration file (~/.cache/huggingface/lerobot/calibration/teleoperators/so_leader/ID.json).")
    var leaderCalibration: String?
    @Option(help: "dynamixel-leader: GELLO-style JSON ({\"left\": {port, joint_ids, joint_offsets, joint_signs, gripper_config}, \"right\": ...}).")
    var leaderConfig: String?
    @Option(help: "Scripted teleoperation: standard deviation of the translation noise per step, metres (default: 0.001).") var noise: Double?
    @Flag(help: "Scripted teleoperation: keep episodes whose task failed.") var keepFailures = false
    @Option(help: "Folder of data-only embodiment plugins to load.") var embodimentPath: String?
    @Option(help: "Interactive: exit the viewer after this many frames (scripted checks).") var frames: Int?
    @Option(help: "Interactive: write a viewer screenshot when it exits.") var screenshot: String?

    private var episodeCount: Int { episodes ?? 10 }

    func validate() throws {
        try FlagRules.oneOf("--teleop", teleop, ["scripted", "keyboard", "gamepad", "mouse", "spacemouse", "so-leader", "dynamixel-leader"])
        try FlagRules.oneOf("--style", style, RecordingStyle.allCases.map(\.rawValue))
        try FlagRules.oneOf("--format", format, DatasetVersion.allCases.map(\.rawValue))
        try FlagRules.check("--episodes", episodes, in: 1...1_000_000)
        try FlagRules.check("--attempts", attempts, in: 1...1_000_000)
        try FlagRules.check("--fps", fps, in: 1...1000, unit: "frames per second")
        try FlagRules.check("--image-size", imageSize, in: 16...4096, unit: "pixels")
        try FlagRules.check("--episode-time", episodeTime, in: 0.1...3600, unit: "s")
        try FlagRules.check("--reset-time", resetTime, in: 0...60, unit: "s")
        try FlagRules.check("--noise", noise, in: 0...0.1, unit: "m")
        try FlagRules.check("--frames", frames, in: 1...100_000_000)
        // Scripted recording tries up to 4 N + 5 seeds for N episodes (failures are discarded), --attempts exactly N.
        if let attempts {
            try FlagRules.checkSeeds(seed, count: attempts, what: "--attempts \(attempts)")
        } else {
            try FlagRules.checkSeeds(seed, count: 4 * episodeCount + 6, what: "--episodes \(episodeCount) (up to 4 x episodes + 5 seeds are tried)")
        }
        let scripted = teleop == "scripted"
        try FlagRules.onlyWhen(
            scripted, [("--attempts", attempts != nil), ("--noise", noise != nil), ("--keep-failures", keepFailures)],
            "with --teleop scripted")
        try FlagRules.onlyWhen(
            !scripted,
            [
                ("--frames", frames != nil), ("--screenshot", screenshot != nil), ("--reset-time", resetTime != nil),
                ("--teleop-log", teleopLog != nil), ("--gamepad-mappings", gamepadMappings != nil),
                ("--spacemouse-socket", spacemouseSocket != nil), ("--leader-port", leaderPort != nil),
                ("--leader-calibration", leaderCalibration != nil), ("--leader-config", leaderConfig != nil),
            ],
            "with an interactive --teleop (keyboard, gamepad, mouse, spacemouse or a leader arm)")
        try FlagRules.onlyWhen(attempts == nil, [("--episodes", episodes != nil)], "without --attempts (which sets the seeds tried)")
    }

    func run() throws {
        if let embodimentPath { _ = try EmbodimentRegistry.shared.loadPlugins(at: embodimentPath) }
        let resolved = SceneLoader.resolve(scene)
        let base = try loadScene(scene)
        let yaml = (try? String(contentsOfFile: resolved, encoding: .utf8)) ?? ""
        let env = try RecordingSetup.environment(scene: base, robot: robot, mode: mode, controlRate: fps.map(Double.init), imageSize: imageSize)
        let rate = env.controlRate
        guard rate == rate.rounded(), rate >= 1 else {
            throw BenchtopError("the control rate \(rate) Hz is not a whole number of frames per second; give --fps")
        }
        let controlMode = env.controlMode
        var exportV1 = false
        if let style {
            guard let s = RecordingStyle(rawValue: style) else {
                throw BenchtopError("--style must be one of: \(RecordingStyle.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            exportV1 = s == .molmoAct
            if exportV1 { try MolmoActV1Export.checkMode(controlMode) }
        }
        var version: DatasetVersion?
        if let format {
            guard let v = DatasetVersion(rawValue: format) else { throw BenchtopError("--format must be v3.0 or v2.1, got '\(format)'") }
            version = v
        }
        let cameras = env.cameraNames.map { name in
            let c = env.scene.cameras.first { $0.name == name }!
            return (name: name, width: c.width, height: c.height)
        }
        let layout = try RecordingLayout(
            style: .molmoAct2, mode: controlMode, cameras: cameras, fps: Int(rate),
            robotType: env.embodiment.name)
        var manifest = RecordingManifest(
            sceneName: env.scene.name, scenePath: resolved, sceneYAML: yaml, robot: robot,
            embodiment: env.embodiment.name, mode: env.modeName, controlRate: rate,
            physicsTimeStep: env.scene.physics.timeStep, physicsStepsPerTick: env.physicsStepsPerTick,
            imageSize: imageSize, style: .molmoAct2, cameras: env.cameraNames, teleop: teleop)
        let tokenizer: any DepthTokenizer
        if let vqvae {
            tokenizer = try DepthVQVAE(configuration: .molmoAct, weightsPath: vqvae)
            manifest.depthTokenizer = "molmoact-vqvae:" + (vqvae as NSString).lastPathComponent
        } else {
            tokenizer = try GridDepthQuantizer.builtIn()
            manifest.depthTokenizer = "builtin"
        }
        let recorder = try DemoRecorder(
            root: out, environment: env, layout: layout, version: version, manifest: manifest,
            resume: resume, depthTokenizer: tokenizer)
        let lastUsed = resume ? recorder.usedSeeds.max() : nil
        let firstSeed = lastUsed.map { $0 &+ 1 } ?? seed
        let tries = UInt64(attempts ?? (4 * episodeCount + 6))
        guard lastUsed != UInt64.max, firstSeed <= UInt64.max - tries else {
            throw BenchtopError(
                "\(out): resuming after seed \(lastUsed ?? seed) leaves fewer than \(tries) seeds below 2^64; record into a new folder")
        }
        let target = recorder.episodeCount + episodeCount
        let interactiveTime = 60.0  // lerobot-record's episode_time_s
        let horizon = Int(((episodeTime ?? (teleop == "scripted" ? env.task.timeLimit : interactiveTime)) * rate).rounded())
        if teleop == "scripted" {
            try recordScripted(env: env, recorder: recorder, firstSeed: firstSeed, target: target, horizon: horizon)
        } else {
            let (viewerDevice, external) = try teleoperator(mode: env.modeName)
            let session = try TeleopSession(
                environment: env, recorder: recorder, device: viewerDevice, external: external, firstSeed: firstSeed,
                target: target, horizon: horizon, resetTime: resetTime ?? 2.0)
            session.frames = frames
            session.screenshot = screenshot
            session.readyPrompt = readyPrompt
            session.logPath = teleopLog
            if let gamepadMappings {
                guard let text = try? String(contentsOfFile: gamepadMappings, encoding: .utf8) else {
                    throw BenchtopError("--gamepad-mappings: cannot read \(gamepadMappings)")
                }
                session.gamepadMappings = (text, gamepadMappings)
            } else if let text = ProcessInfo.processInfo.environment["SDL_GAMECONTROLLERCONFIG"], !text.isEmpty {
                session.gamepadMappings = (text, "SDL_GAMECONTROLLERCONFIG")
            }
            try session.run()
        }
        try recorder.finish()
        print(
            "wrote \(recorder.episodeCount) episodes (\(recorder.writer.frameCount) frames) to \(out) [\(recorder.writer.version.rawValue)] and the MolmoAct table to \(DemoRecorder.companionPath(root: out))"
        )
        if exportV1 {
            let target = DemoRecorder.companionPath(root: out) + "/lerobot"
            try MolmoActV1Export.write(root: out, to: target, mode: controlMode, version: version ?? .v2_1)
            print("exported the MolmoAct v1 layout to \(target)")
        }
    }

    /// The viewer's device (its keyboard always gives the episode keys) and the external device, if any.
    private func teleoperator(mode: String) throws -> (String, Teleoperator?) {
        do {
            switch teleop {
            case "keyboard", "gamepad", "mouse": return (teleop, nil)
            case "spacemouse": return ("keyboard", try SpaceMouse(socket: spacemouseSocket))
            case "so-leader":
                guard let leaderPort, let leaderCalibration else {
                    throw BenchtopError("--teleop so-leader needs --leader-port (e.g. /dev/ttyACM0) and --leader-calibration (LeRobot's JSON)")
                }
                guard mode == "lerobot" else {
                    throw BenchtopError(
                        "--teleop so-leader drives the SO arms' 'lerobot' mode joint for joint; got mode '\(mode)' (use --robot so101 or so100)")
                }
                return ("keyboard", try SOLeaderArm(port: leaderPort, baudRate: leaderBaud, calibrationFile: leaderCalibration))
            case "dynamixel-leader":
                guard let leaderConfig else { throw BenchtopError("--teleop dynamixel-leader needs --leader-config FILE (GELLO-style JSON)") }
                return ("keyboard", try DynamixelLeaderArms(configurationFile: leaderConfig))
            default:
                throw BenchtopError(
                    "--teleop must be keyboard, gamepad, mouse, spacemouse, so-leader, dynamixel-leader or scripted, got '\(teleop)'")
            }
        } catch let error as TeleopDeviceError {
            throw BenchtopError("--teleop \(teleop): \(error)")
        }
    }

    private func recordScripted(env: TabletopEnvironment, recorder: DemoRecorder, firstSeed: UInt64, target: Int, horizon: Int) throws {
        let policy = try RecordingSetup.scriptedTeleop(environment: env, noise: noise ?? 0.001)
        let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: horizon, actionSteps: 8))
        runner.subscribers = [recorder]
        let wanted = attempts ?? (target - recorder.episodeCount)
        let progress = ProgressBar(total: wanted, label: "record \(env.scene.name)")
        var seed = firstSeed
        var failures = 0
        while attempts.map({ seed < firstSeed + UInt64($0) }) ?? (recorder.episodeCount < target) {
            guard attempts != nil || failures <= 3 * wanted + 5 else {
                progress.finish()
                throw BenchtopError(
                    "the scripted expert failed \(failures) episodes; stopping (last seed \(seed - 1)); try --keep-failures or another scene")
            }
            let result = runner.run(seed: seed, task: env.task.stages.map(\.name))
            seed += 1
            if result.successAtEnd || keepFailures {
                try recorder.saveEpisode()
            } else {
                recorder.discardEpisode()
                failures += 1
            }
            progress.update(
                attempts.map { _ in Int(seed - firstSeed) } ?? (wanted - (target - recorder.episodeCount)),
                note: "seed \(seed - 1) \(result.outcome.label), \(failures) discarded")
        }
        progress.finish()
    }
}
