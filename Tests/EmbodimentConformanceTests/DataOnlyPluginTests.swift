import BenchtopCore
import BenchtopRobot
import BenchtopScene
import EmbodimentConformance
import EmbodimentKit
import Foundation
import Testing

/// A robot defined only by test fixtures (a manifest and a URDF), loaded as `--embodiment-path` does.
@Suite struct DataOnlyPluginTests {
    static var fixtures: String { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path }

    @Test func loadsRegistersAndControlsTheToyArm() throws {
        let registry = EmbodimentRegistry()
        let names = try registry.loadPlugins(at: Self.fixtures)  // a folder of plugin folders
        #expect(names == ["toy_arm"])
        let d = try registry.embodiment(named: "toy_arm")
        #expect(d.joints.map(\.name) == ["yaw", "pitch", "finger_l_joint", "finger_r_joint"])
        let mode = try #require(d.controlMode("lerobot"))
        #expect(mode.features(cameras: d.cameras).map(\.key) == ["observation.state", "action", "observation.images.front"])
        #expect(mode.action.map(\.name) == ["yaw.pos", "pitch.pos", "gripper.pos"])
        #expect(Conformance.schemaIssues(d).isEmpty)

        // Drive it in dataset units: degrees and gripper 0..100, then read the state back.
        let (world, c) = try Conformance.makeWorld(d)
        try c.apply(action: [20, -10, 0])
        try world.step(480)
        let s = c.state()
        #expect(abs(s[0] - 20) < 0.5 && abs(s[1] + 10) < 0.5)
        #expect(s[2] < 5)
        #expect(try Conformance.homeDrift(d, seconds: 2) < 1e-3)
        #expect(try Conformance.jointLimitExcursion(d).excursion < ConformanceSuite.Thresholds().limitExcursion)
    }

    @Test func badManifestsNameTheFieldAndFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = URL(fileURLWithPath: Self.fixtures).appendingPathComponent("toy_arm")
        try FileManager.default.copyItem(at: src.appendingPathComponent("toy_arm.urdf"), to: dir.appendingPathComponent("toy_arm.urdf"))
        let manifest = try String(contentsOf: src.appendingPathComponent("embodiment.yaml"), encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("home: [0.0, 0.3]", "home: [0.0]", "arms[0].home"),
            ("joints: [yaw, pitch]", "joints: [yaw, elbow]", "arms[0].joints[1]"),
            ("state: [yaw.pos, pitch.pos, gripper.pos]", "state: [yaw.pos, pitch.pos]", "control_modes[0].state"),
            ("kind: joint_position", "kind: torque", "control_modes[0].kind"),
        ]
        for (from, to, keyPath) in cases {
            try manifest.replacingOccurrences(of: from, with: to).write(
                to: dir.appendingPathComponent("embodiment.yaml"), atomically: true, encoding: .utf8)
            #expect { try EmbodimentRegistry().loadPlugins(at: dir.path) } throws: { e in
                guard let m = e as? ManifestError else { return false }
                return m.keyPath == keyPath && m.file.hasSuffix("embodiment.yaml")
            }
        }
    }
}
