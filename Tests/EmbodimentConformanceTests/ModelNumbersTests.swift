import BenchtopCore
import EmbodimentKit
import SOEmbodiment
import Testing
import YAMEmbodiment

/// Forward kinematics of the YAM and SO models against positions derived in the reference from the sources.
@Suite struct ModelNumbersTests {
    @Test func yamGraspSiteAtTheMenagerieHomeKeyframe() throws {
        let d = try YAMPlugin.bimanual()
        for (arm, y) in [(0, 0.22), (1, -0.22)] {
            let k = try ArmKinematics(descriptor: d, arm: arm)
            var q = d.homePositions
            for (i, dof) in k.dofs.enumerated() { q[dof] = [0, 1.047, 1.047, 0, 0, 0][i] }
            let p = k.tcpPose(q).position  // reference 3.8: grasp_site (0.377, 0, 0.3926) from the arm base
            #expect(length(p - SIMD3(0.377, y, 0.3926)) < 1e-3, "arm \(arm): \(p)")
            for (i, dof) in k.dofs.enumerated() { q[dof] = 0 * Double(i) }
            let z = k.tcpPose(q).position  // zero (stowed): grasp_site (0.245, 0, 0.164)
            #expect(length(z - SIMD3(0.245, y, 0.164)) < 1e-3, "arm \(arm): \(z)")
        }
    }

    @Test func so101WristAndURDFTCPAtZero() throws {
        let d = try SOPlugin.so101()
        let tree = KinematicTree(d.articulation)
        let poses = tree.linkPoses([Double](repeating: 0, count: 6))
        let wrist = poses[d.articulation.links.firstIndex { $0.name == "wrist" }!].position
        #expect(length(wrist - SIMD3(0.232, -0.018, 0.234)) < 1e-3, "\(wrist)")  // reference 4.2 (derived)
        let gripper = poses[d.articulation.links.firstIndex { $0.name == "gripper" }!]
        let urdfTCP = gripper.transform(SIMD3(-0.0079, -0.000218, -0.0981274))
        #expect(length(urdfTCP - SIMD3(0.391, 0, 0.227)) < 1e-3, "\(urdfTCP)")
    }

    @Test func datasetUnitsOfTheSOArms() throws {
        for d in [try SOPlugin.so101(), try SOPlugin.so100()] {
            let mode = try #require(d.controlMode("lerobot"))
            #expect(
                mode.action.map(\.name) == [
                    "shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos",
                ])
            // The home pose is the middle of every body joint's range: 0 degrees in the dataset.
            let home = d.arms[0].home
            for (k, ch) in mode.action.prefix(5).enumerated() { #expect(abs(ch.encode(home[k])) < 1e-6, "\(d.name) \(ch.name)") }
            #expect(mode.action[5].encode(1) == 100 && mode.action[5].encode(0) == 0)
            #expect(d.cameras.map(\.name) == ["front", "wrist"] && d.cameras.allSatisfy { $0.width == 640 && $0.height == 480 })
        }
        let yam = try YAMPlugin.bimanual()
        #expect(yam.controlModes[0].state.count == 14 && yam.cameras.map(\.name) == ["top", "left_wrist", "right_wrist"])
        #expect(yam.controlModes[0].state.map(\.name)[6] == "left_gripper" && yam.controlModes[0].state.map(\.name)[13] == "right_gripper")
    }
}
