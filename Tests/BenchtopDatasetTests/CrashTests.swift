import Foundation
import Testing

@testable import BenchtopDataset

/// The `benchtop` executable built next to the test bundle.
func benchtopExecutable() throws -> String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("benchtop").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw InteropError("cannot find the benchtop executable next to \(CommandLine.arguments[0]); build it with `swift build`")
}

@Suite struct CrashTests {
    /// Starts `benchtop dataset write-test`, waits until it is in the middle of an episode, kills it with SIGKILL.
    func writeAndKill(root: String, version: DatasetVersion) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try benchtopExecutable())
        process.arguments = [
            "dataset", "write-test", "--root", root, "--episodes", "2", "--frames", "12",
            "--version", version.rawValue, "--hang-after", "9",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var output = ""
        let handle = pipe.fileHandleForReading
        while !output.contains("HANGING") {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
        }
        #expect(output.contains("saved episode 1") && output.contains("HANGING"), "child output: \(output)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
    }

    @Test(arguments: DatasetVersion.allCases)
    func killedMidEpisodeLoadsAndResumes(version: DatasetVersion) throws {
        try Interop.requireTools()
        let root = try temporaryDirectory("crash-\(version.rawValue)") + "/set"
        try writeAndKill(root: root, version: version)

        // The half-written episode left hidden temporary video files behind, and nothing else.
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        #expect(files.contains { $0.hasSuffix(".mp4.partial") })

        // It loads with the two complete episodes, in Benchtop and in pyarrow/PyAV.
        let d = try LeRobotDataset(root: root)
        try expectSyntheticValues(d, episodes: 2)
        try d.validate()
        try expectInteropClean(root, episodes: 2, frames: d.totalFrames)

        // Resume: the leftovers go, the next episode is number 2, the result is whole.
        let writer = try LeRobotDatasetWriter(resuming: root)
        #expect(writer.episodeCount == 2 && writer.version == version)
        try writeSynthetic(writer, SyntheticFrames(), first: 2, count: 2)
        writer.close()
        let after = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
        #expect(!after.contains { $0.hasSuffix(".partial") })
        let resumed = try LeRobotDataset(root: root)
        try expectSyntheticValues(resumed, episodes: 4)
        try resumed.validate()
        #expect(resumed.stats["observation.state"]?.count == resumed.totalFrames)
        try expectInteropClean(root, episodes: 4, frames: resumed.totalFrames)
    }
}

@Suite struct ResumeTests {
    static let small = SyntheticFrames(size: 32)

    @Test func nothingIsWrittenBeforeTheFirstCommitAndResumeStartsOver() throws {
        let root = try temporaryDirectory("resume-empty") + "/set"
        let writer = try LeRobotDatasetWriter(creating: root, schema: Self.small.schema, version: .v2_1)
        for k in 0..<3 { try writer.add(Self.small.frame(episode: 0, frame: k)) }
        // An open episode only: no metadata, so LeRobot and `dataset check` both see no dataset.
        #expect(!FileManager.default.fileExists(atPath: root + "/meta/info.json"))
        let check = #expect(throws: DatasetError.self) { try LeRobotDataset(root: root) }
        #expect(check?.message.contains("--resume") == true)
        // Without the schema there is nothing to resume; with it, the folder starts over in the requested layout.
        #expect(throws: DatasetError.self) { try LeRobotDatasetWriter(resuming: root) }
        let resumed = try LeRobotDatasetWriter(resuming: root, expecting: Self.small.schema, version: .v2_1)
        #expect(resumed.episodeCount == 0 && resumed.version == .v2_1)
        try writeSynthetic(resumed, Self.small, first: 0, count: 1, base: 4)
        let d = try LeRobotDataset(root: root)
        #expect(d.version == .v2_1 && d.episodes.count == 1)
        try d.validate()
        withExtendedLifetime(writer) {}
    }

    @Test func resumeComparesFeaturesAsASetAndNamesTheDifference() throws {
        let root = try temporaryDirectory("resume-order") + "/set"
        try writeSynthetic(try LeRobotDatasetWriter(creating: root, schema: Self.small.schema), Self.small, first: 0, count: 1, base: 4)
        // The same features in another order (as a recorder with cameras in another order asks): accepted.
        var reordered = Self.small.schema
        reordered.features.reverse()
        let writer = try LeRobotDatasetWriter(resuming: root, expecting: reordered)
        #expect(writer.schema.videoFeatures.map(\.name) == reordered.videoFeatures.map(\.name))
        try writeSynthetic(writer, Self.small, first: 1, count: 1, base: 4)
        try LeRobotDataset(root: root).validate()
        // A different action: refused, naming the feature.
        var other = Self.small.schema
        other.features = other.features.map { $0.name == "action" ? .vector("action", names: ["a", "b"]) : $0 }
        let error = #expect(throws: DatasetError.self) { try LeRobotDatasetWriter(resuming: root, expecting: other) }
        #expect(error?.message.contains("action") == true, "\(String(describing: error))")
    }

    @Test func resumeRefusesWhenACommittedEpisodeLostItsFiles() throws {
        let root = try temporaryDirectory("resume-lost") + "/set"
        try writeSynthetic(try LeRobotDatasetWriter(creating: root, schema: Self.small.schema), Self.small, first: 0, count: 2, base: 4)
        let d = try LeRobotDataset(root: root)
        try FileManager.default.removeItem(atPath: d.dataFile(episode: 1))
        let error = #expect(throws: DatasetError.self) { try LeRobotDatasetWriter(resuming: root) }
        #expect(error?.file == d.dataFile(episode: 1) && error?.message.contains("episode 1") == true, "\(String(describing: error))")
    }
}
