import BenchtopTestSupport
import Foundation
import Testing

/// A mesh-based robot from a pip-installed asset library (the Panda of pybullet_data, Plugins/PandaPybullet),
/// end to end through the real binary: embodiments check, sim, render, a scripted pick recorded, and its replay.
@Suite(.serialized) struct MeshRobotEndToEndTests {
    static let plugin = "\(repositoryRoot)/Plugins/PandaPybullet"

    /// pybullet_data's folder (BENCHTOP_PACKAGE_PATH for the child processes); fails, not skips, without it.
    static func usePybulletData() throws {
        let path = try pybulletDataPath()
        setenv("BENCHTOP_PACKAGE_PATH", path, 1)
    }

    @Test func checkSimRenderRecordAndReplayThePybulletPanda() throws {
        try Self.usePybulletData()
        let run = PluginReplayTests()
        let plugin = ["--embodiment-path", Self.plugin]
        let check = try run.benchtop(["embodiments", "check", Self.plugin])
        #expect(check.contains("panda_pybullet: all 8 checks passed") && check.contains("PASS  pick"), "\(check)")

        let sim = try run.benchtop(["sim", "pick_cube", "--robot", "panda_pybullet", "--steps", "240"] + plugin)
        #expect(sim.contains("outcome: ok"), "\(sim)")

        let dir = NSTemporaryDirectory() + "benchtop-mesh-robot-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let render = try run.benchtop(["render", "pick_cube", "--robot", "panda_pybullet", "--camera", "wrist", "--out", dir + "/render"] + plugin)
        #expect(render.contains("robot/panda_leftfinger") && render.contains("robot/panda_rightfinger"), "\(render)")
        #expect(FileManager.default.fileExists(atPath: dir + "/render/wrist_rgb.png"))

        // The built-in scripted policy picks the cube with the mesh robot; the recording replays exactly.
        let record = try run.benchtop(
            ["record", "pick_cube", "--robot", "panda_pybullet", "--episodes", "1", "--seed", "1", "--image-size", "32", "--out", dir + "/rec"]
                + plugin)
        #expect(record.contains("1/1 seed 1 success") && record.contains("wrote 1 episodes"), "\(record)")
        let replay = try run.benchtop(["replay", dir + "/rec", "--episode", "0"] + plugin)
        #expect(
            replay.contains("max divergence robot 0.0") && replay.contains("first diverging step: none") && replay.contains("task succeeded"),
            "\(replay)")
    }

    @Test func aFailingCheckExitsOne() throws {
        // The two-joint toy arm cannot pick top-down: the report says which check failed, and the exit status is 1.
        let out = try PluginReplayTests().benchtop(
            ["embodiments", "check", "\(repositoryRoot)/Tests/EmbodimentConformanceTests/Fixtures/toy_arm", "--ik-targets", "3"], status: 1)
        #expect(out.contains("FAIL  pick") && out.contains("toy_arm: 1 of 8 checks failed: pick"), "\(out)")
    }
}
