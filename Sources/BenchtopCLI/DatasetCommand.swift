import ArgumentParser
import BenchtopDataset
import BenchtopRecording
import EmbodimentKit
import Foundation

/// `benchtop dataset ...`: inspect, check and merge LeRobot datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Inspect, check and merge LeRobot datasets.",
        subcommands: [DatasetCheck.self, DatasetMolmoAct.self, DatasetMergeCommand.self, DatasetWriteTest.self])
}

/// `benchtop dataset check ROOT`: loads a dataset, checks every episode (and video), prints a summary.
/// Fails where LeRobot fails (0.6.1 for v3.0, 0.3.3 for v2.1; the tests compare the two on every commit point).
struct DatasetCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Load and check a LeRobot dataset (v3.0 or v2.1): fails where LeRobot's loader fails.")

    @Argument(help: "Dataset folder (holds meta/info.json).")
    var root: String

    @Flag(help: "Skip the video checks (frame count and timestamps).")
    var noVideos = false

    @Flag(
        name: .customLong("allow-outside-root"),
        help: "Let the metadata name files outside the dataset folder ('..', absolute paths, links leading out).")
    var allowOutsideRoot = false

    func run() throws {
        let d = try LeRobotDataset(root: root, allowsOutsideRoot: allowOutsideRoot)
        try d.validate(videos: !noVideos)
        print(
            "\(root): LeRobot \(d.version.rawValue), \(d.episodes.count) episodes, \(d.totalFrames) frames, \(d.tasks.count) tasks, \(d.schema.fps) fps"
        )
        for f in d.schema.features {
            print("  \(f.name): \(f.dtype.rawValue) \(f.shape)\(f.names.map { " " + $0.joined(separator: ",") } ?? "")")
        }
        if d.pendingEpisodes > 0 {
            print(
                "note: meta/episodes lists \(d.pendingEpisodes) more episode(s) than info.json (a commit cut short); LeRobot loads \(d.episodes.count); `benchtop record --resume` completes it"
            )
        }
        print("ok")
    }
}

/// `benchtop dataset molmoact ROOT`: rebuilds a recording's MolmoAct companion table (after a crash, or to
/// refresh it), and with `--lerobot-v1` exports the MolmoAct v1 LeRobot layout.
struct DatasetMolmoAct: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "molmoact",
        abstract: "Rebuild a recording's MolmoAct companion table (ROOT_molmoact) from its per-episode annotations.")

    @Argument(help: "Recording folder (written by `benchtop record`).") var root: String
    @Flag(help: "Also export the MolmoAct v1 LeRobot layout (image, wrist_image, gripper +1 = close) to ROOT_molmoact/lerobot.")
    var lerobotV1 = false
    @Option(help: "Layout of the v1 export: v2.1 (default; lerobot 0.3.3, MolmoAct's pin) or v3.0.") var format: String?
    @Option(help: "Folder of data-only embodiment plugins to load.") var embodimentPath: String?

    func validate() throws {
        try FlagRules.oneOf("--format", format, DatasetVersion.allCases.map(\.rawValue))
        try FlagRules.onlyWhen(lerobotV1, [("--format", format != nil)], "with --lerobot-v1")
    }

    func run() throws {
        if let embodimentPath { _ = try EmbodimentRegistry.shared.loadPlugins(at: embodimentPath) }
        let manifest = try RecordingManifest.load(root: root)
        let dataset = try LeRobotDataset(root: root)
        let embodiment = try EmbodimentRegistry.shared.embodiment(named: manifest.embodiment)
        guard let mode = embodiment.controlMode(manifest.mode) else {
            throw BenchtopError("\(RecordingManifest.path(root: root)): embodiment \(manifest.embodiment) has no control mode '\(manifest.mode)'")
        }
        let episodes = Array(0..<dataset.episodes.count)
        try MolmoActCompanion.write(root: root, episodes: episodes, mode: mode, primaryCamera: manifest.cameras.first ?? "primary")
        print("wrote \(MolmoActCompanion.dataPath(companion: DemoRecorder.companionPath(root: root))) (\(episodes.count) episodes)")
        if lerobotV1 {
            guard let v = DatasetVersion(rawValue: format ?? "v2.1") else { throw BenchtopError("--format must be v3.0 or v2.1") }
            let target = DemoRecorder.companionPath(root: root) + "/lerobot"
            try MolmoActV1Export.write(root: root, to: target, mode: mode, version: v)
            print("exported the MolmoAct v1 layout to \(target)")
        }
    }
}

/// `benchtop dataset write-test`: writes synthetic episodes (used by the crash-safety test, which kills
/// this process with SIGKILL in the middle of an episode).
struct DatasetWriteTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-test", abstract: "Write synthetic episodes (testing).",
        shouldDisplay: false)

    @Option var root: String
    @Option var episodes = 3
    @Option(help: "Base episode length in frames.") var frames = 20
    @Option var version = "v3.0"
    @Option var codec = "h264"
    @Flag(help: "Continue an existing dataset.") var resume = false
    @Option(help: "After the complete episodes, add this many frames of one more episode, print HANGING and wait to be killed.")
    var hangAfter: Int?

    func validate() throws {
        try FlagRules.check("--episodes", episodes, in: 0...10_000)
        try FlagRules.check("--frames", frames, in: 1...100_000)
        try FlagRules.check("--hang-after", hangAfter, in: 0...100_000)
    }

    func run() throws {
        guard let v = DatasetVersion(rawValue: version) else { throw ValidationError("--version must be v3.0 or v2.1") }
        guard let c = VideoCodec(rawValue: codec) else { throw ValidationError("--codec must be h264 or av1") }
        let synthetic = SyntheticFrames(video: VideoSettings(codec: c))
        let writer =
            resume
            ? try LeRobotDatasetWriter(resuming: root, expecting: synthetic.schema, version: v)
            : try LeRobotDatasetWriter(creating: root, schema: synthetic.schema, version: v)
        let first = writer.episodeCount
        for e in first..<(first + episodes) {
            for k in 0..<SyntheticFrames.length(episode: e, base: frames) { try writer.add(synthetic.frame(episode: e, frame: k)) }
            try writer.saveEpisode()
            FileHandle.standardOutput.write(Data("saved episode \(e)\n".utf8))
        }
        if let hangAfter {
            let e = writer.episodeCount
            for k in 0..<hangAfter { try writer.add(synthetic.frame(episode: e, frame: k)) }
            FileHandle.standardOutput.write(Data("HANGING\n".utf8))
            while true { sleep(60) }
        }
    }
}
