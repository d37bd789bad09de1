import ArgumentParser
import BenchtopDataset
import Foundation

/// `benchtop dataset ...`: inspect, check and merge LeRobot datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Inspect, check and merge LeRobot datasets.",
        subcommands: [DatasetCheck.self, DatasetMergeCommand.self, DatasetWriteTest.self])
}

/// `benchtop dataset check ROOT`: loads a dataset, checks every episode (and video), prints a summary.
struct DatasetCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Load and check a LeRobot dataset (v3.0 or v2.1).")

    @Argument(help: "Dataset folder (holds meta/info.json).")
    var root: String

    @Flag(help: "Skip the video checks (frame count and timestamps).")
    var noVideos = false

    func run() throws {
        let d = try LeRobotDataset(root: root)
        try d.validate(videos: !noVideos)
        print("\(root): LeRobot \(d.version.rawValue), \(d.episodes.count) episodes, \(d.totalFrames) frames, \(d.tasks.count) tasks, \(d.schema.fps) fps")
        for f in d.schema.features {
            print("  \(f.name): \(f.dtype.rawValue) \(f.shape)\(f.names.map { " " + $0.joined(separator: ",") } ?? "")")
        }
        print("ok")
    }
}

/// `benchtop dataset write-test`: writes synthetic episodes (used by the crash-safety test, which kills
/// this process with SIGKILL in the middle of an episode).
struct DatasetWriteTest: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "write-test", abstract: "Write synthetic episodes (testing).",
                                                    shouldDisplay: false)

    @Option var root: String
    @Option var episodes = 3
    @Option(help: "Base episode length in frames.") var frames = 20
    @Option var version = "v3.0"
    @Option var codec = "h264"
    @Flag(help: "Continue an existing dataset.") var resume = false
    @Option(help: "After the complete episodes, add this many frames of one more episode, print HANGING and wait to be killed.")
    var hangAfter: Int?

    func run() throws {
        guard let v = DatasetVersion(rawValue: version) else { throw ValidationError("--version must be v3.0 or v2.1") }
        guard let c = VideoCodec(rawValue: codec) else { throw ValidationError("--codec must be h264 or av1") }
        let synthetic = SyntheticFrames(video: VideoSettings(codec: c))
        let writer = resume ? try LeRobotDatasetWriter(resuming: root)
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
