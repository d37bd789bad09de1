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
        process.arguments = ["dataset", "write-test", "--root", root, "--episodes", "2", "--frames", "12",
                             "--version", version.rawValue, "--hang-after", "9"]
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
