import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import Testing

@Suite struct ArticulationTests {
    /// A two-link arm on a fixed base: a revolute shoulder about z, a revolute elbow about a tilted axis, with
    /// off-diagonal inertias and offset, rotated inertial frames, so that every term of the compiler matters.
    func arm(base: Pose, q: [Double]) -> ArticulationSpec {
        let inertial = Inertial(
            mass: 1, frame: Pose(position: SIMD3(0.05, 0.01, 0.1), orientation: Quaternion(roll: 0.3, pitch: 0.1, yaw: -0.2)),
            ixx: 0.02, iyy: 0.03, izz: 0.01, ixy: 0.002, ixz: -0.001, iyz: 0.003)
        let links = [
            LinkSpec(
                name: "base", inertial: Inertial(mass: 2, ixx: 0.01, iyy: 0.01, izz: 0.01),
                collision: [ShapePart(.box(halfExtents: SIMD3(0.05, 0.05, 0.05)))]),
            LinkSpec(
                name: "upper", inertial: inertial,
                collision: [ShapePart(.capsule(radius: 0.03, halfHeight: 0.1), pose: Pose(position: SIMD3(0, 0, 0.1)))]),
            LinkSpec(
                name: "fore", inertial: inertial,
                collision: [ShapePart(.capsule(radius: 0.025, halfHeight: 0.1), pose: Pose(position: SIMD3(0, 0, 0.1)))]),
        ]
        let joints = [
            JointSpec(
                name: "shoulder", kind: .revolute, parent: 0, child: 1,
                origin: Pose(position: SIMD3(0, 0, 0.1), orientation: Quaternion(roll: 0, pitch: 0, yaw: 0.4)),
                axis: SIMD3(0, 0, 1), lower: -3, upper: 3, effort: 50, velocity: 2),
            JointSpec(
                name: "elbow", kind: .revolute, parent: 1, child: 2,
                origin: Pose(position: SIMD3(0.02, 0, 0.25), orientation: Quaternion(roll: -1.5707963267948966, pitch: 0, yaw: 0)),
                axis: SIMD3(0.6, 0, 0.8), lower: -2, upper: 2, effort: 30, velocity: 2),
        ]
        return ArticulationSpec(name: "arm", base: base, links: links, joints: joints, initialPositions: q)
    }

    /// Forward kinematics straight from the URDF conventions, independent of the compiler.
    func referenceLinkPoses(_ spec: ArticulationSpec, q: [Double]) -> [Pose] {
        var poses = [spec.base]
        for (k, j) in spec.joints.enumerated() {
            let motion = Pose(orientation: Quaternion(axis: j.axis, angle: q[k]))
            poses.append(poses[j.parent] * j.origin * motion)
        }
        return poses
    }

    @Test func linkPosesMatchURDFForwardKinematics() throws {
        let base = Pose(position: SIMD3(0.1, -0.2, 0.75), orientation: Quaternion(axis: SIMD3(0, 0, 1), angle: 0.7))
        let q = [0.6, -0.9]
        let world = try World(scene: tableScene([]), articulations: [arm(base: base, q: q)])
        let snapshot = world.snapshot()
        let expected = referenceLinkPoses(world.articulations[0].spec, q: q)
        for (i, body) in world.articulations[0].linkBodies.enumerated() {
            let got = snapshot.bodies[body].pose
            #expect(length(got.position - expected[i].position) < 1e-9, "link \(i) at \(got.position), expected \(expected[i].position)")
            #expect(got.orientation.angle(to: expected[i].orientation) < 1e-9)
        }
        #expect(snapshot.articulations[0].jointPositions.enumerated().allSatisfy { abs($0.element - q[$0.offset]) < 1e-12 })
    }

    @Test func motorsTrackTargetsAndRespectLimits() throws {
        let world = try World(scene: tableScene([]), articulations: [arm(base: Pose(position: SIMD3(0, 0, 0.75)), q: [0, 0])])
        world.setJointTargets(articulation: 0, positions: [1.0, 5.0], positionGain: 0.2, velocityGain: 1)
        var worst = 0.0
        for _ in 0..<480 {
            try world.step()
            worst = max(worst, world.jointState(articulation: 0).jointPositions[1])
        }
        let q = world.jointState(articulation: 0).jointPositions
        #expect(abs(q[0] - 1.0) < 0.01, "shoulder at \(q[0])")
        #expect(abs(q[1] - 2.0) < 0.01, "elbow should stop at its upper limit 2.0, is \(q[1])")
        #expect(worst < 2.0 + 0.01)
    }

    @Test func linksCollideWithObjects() throws {
        // A cube dropped on the base link lands on it: the link's collider is in the world and reports contacts.
        let world = try World(
            scene: tableScene([cube("drop", at: SIMD3(0, 0, 1.2))]),
            articulations: [arm(base: Pose(position: SIMD3(0, 0, 0.8)), q: [0, 0])])
        let drop = try #require(world.bodyID(named: "drop"))
        var touchedArm = false
        for _ in 0..<480 {
            try world.step()
            touchedArm = touchedArm || world.bodiesTouching(drop).contains { world.bodies[$0].name.hasPrefix("arm/") }
        }
        #expect(touchedArm)
        // It was stopped by the arm: it never reached the table top (z = 0.75) straight below.
        let z = world.snapshot().bodies[drop].pose.position.z
        #expect(z > 0.8 || abs(world.snapshot().bodies[drop].pose.position.x) > 0.05, "the cube fell through the arm to z \(z)")
    }
}
