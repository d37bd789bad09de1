import BenchtopCore
import EmbodimentConformance
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

/// `RobotController.apply` in the end-effector modes, measured on the simulated arm (physics link poses).
@Suite struct EndEffectorModeTests {
    static let franka = try! FrankaPlugin.franka()

    @Test func deltaSequenceMovesTheTCPByItsSum() throws {
        let (world, c) = try Conformance.makeWorld(Self.franka)
        try c.setMode("ee_delta")
        try world.step(48)
        let base = c.basePose
        let start = base.inverse * Conformance.simulatedTCP(world, c)[0]
        let deltas: [SIMD3<Double>] = Array(repeating: SIMD3(0.01, 0, 0), count: 5) + Array(repeating: SIMD3(0, -0.008, 0.006), count: 5)
        for d in deltas {
            try c.apply(action: [d.x, d.y, d.z, 0, 0, 0, 1])
            try world.step(24)  // 10 Hz, as MolmoAct v1
        }
        try world.step(240)
        let end = base.inverse * Conformance.simulatedTCP(world, c)[0]
        let sum = deltas.reduce(SIMD3<Double>.zero, +)
        let error = length((end.position - start.position) - sum)
        print(
            "[ee_delta] moved \(end.position - start.position), sum \(sum), error \(error * 1000) mm, turn \(end.orientation.angle(to: start.orientation)) rad"
        )
        #expect(error < 2e-3)
        #expect(end.orientation.angle(to: start.orientation) < 1.0 * .pi / 180)
    }

    @Test func absolutePoseTargetIsReached() throws {
        let (world, c) = try Conformance.makeWorld(Self.franka)
        try c.setMode("ee_pose")
        let base = c.basePose
        let target = Pose(position: SIMD3(0.45, 0.1, 0.25), orientation: Quaternion(roll: .pi, pitch: 0.2, yaw: 0.3))
        let rpy = target.orientation.rollPitchYaw
        try c.apply(action: [target.position.x, target.position.y, target.position.z, rpy.x, rpy.y, rpy.z, 1])
        try world.step(720)
        let tcp = base.inverse * Conformance.simulatedTCP(world, c)[0]
        print("[ee_pose] error \(length(tcp.position - target.position) * 1000) mm, \(tcp.orientation.angle(to: target.orientation)) rad")
        #expect(length(tcp.position - target.position) < 2e-3)
        #expect(tcp.orientation.angle(to: target.orientation) < 1.0 * .pi / 180)
        let s = c.state()
        #expect(abs(s[0] - target.position.x) < 2e-3 && abs(s[1] - target.position.y) < 2e-3 && abs(s[2] - target.position.z) < 2e-3)
    }
}
