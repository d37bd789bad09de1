import BenchtopCore
import Testing

@Suite struct ArticulationSpecTests {
    @Test func movableJointsSkipFixedOnesInOrder() {
        let l = LinkSpec(name: "l", inertial: Inertial(mass: 1, ixx: 1, iyy: 1, izz: 1))
        let spec = ArticulationSpec(
            name: "a", base: .identity, links: [l, l, l, l],
            joints: [
                JointSpec(name: "a", kind: .revolute, parent: 0, child: 1, origin: .identity),
                JointSpec(name: "b", kind: .fixed, parent: 1, child: 2, origin: .identity),
                JointSpec(name: "c", kind: .prismatic, parent: 2, child: 3, origin: .identity),
            ])
        #expect(spec.movableJoints.map(\.name) == ["a", "c"])
    }

    @Test func rollPitchYawRoundTrips() {
        let q = Quaternion(roll: 0.3, pitch: -0.7, yaw: 2.1)
        let rpy = q.rollPitchYaw
        #expect(abs(rpy.x - 0.3) < 1e-12 && abs(rpy.y + 0.7) < 1e-12 && abs(rpy.z - 2.1) < 1e-12)
    }
}
