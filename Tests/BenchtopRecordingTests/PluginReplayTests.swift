import BenchtopTestSupport
import Foundation
import Testing

/// `record` and `replay` with a data-only embodiment plugin (a manifest and a URDF, no Swift), through the real
/// binary: the replay needs the same `--embodiment-path` and is exact.
@Suite struct PluginReplayTests {
    static let plugin = "\(repositoryRoot)/Tests/EmbodimentConformanceTests/Fixtures/toy_arm"

    @Test func aDataOnlyPluginsRecordingReplaysWithDivergenceZero() throws {
        let dir = NSTemporaryDirectory() + "benchtop-plugin-replay-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try benchtop([
            "record", "pick_cube_small", "--robot", "toy_arm", "--embodiment-path", Self.plugin, "--episodes", "1",
            "--seed", "3", "--episode-time", "1", "--image-size", "32", "--keep-failures", "--out", "\(dir)/rec",
        ])
        let replay = try benchtop(["replay", "\(dir)/rec", "--episode", "0", "--embodiment-path", Self.plugin])
        #expect(replay.contains("30 steps replayed"), "\(replay)")
        #expect(
            replay.contains("max divergence robot 0.0") && replay.contains("objects 0.0") && replay.contains("first diverging step: none"),
            "\(replay)")
        // Without the plugin the robot is unknown, and the message says what to pass.
        let missing = try benchtop(["replay", "\(dir)/rec", "--episode", "0"], status: 1)
        #expect(missing.contains("toy_arm") && missing.contains("--embodiment-path"), "\(missing)")
    }

    /// Runs `benchtop ARGS` from the repository root; returns its output and expects exit status `status`.
    func benchtop(_ args: [String], status: Int32 = 0) throws -> String {
        let run = try BenchtopBinary.run(args, in: repositoryRoot)
        #expect(run.status == status, "benchtop \(args.joined(separator: " ")): \(run.output)")
        return run.output
    }
}
