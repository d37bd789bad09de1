import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import EmbodimentKit
import FrankaEmbodiment
import Testing

@Suite struct FrankaKinematicsTests {
    /// Craig (modified) DH of the Franka from F1 robot_specifications.rst: T = RotX(alpha) TransX(a) RotZ(theta) TransZ(d).
    static func dhFlange(_ q: [Double]) -> Pose {
        let rows: [(a: Double, d: Double, alpha: Double)] = [
            (0, 0.333, 0), (0, 0, -.pi / 2), (0, 0.316, .pi / 2), (0.0825, 0, .pi / 2),
            (-0.0825, 0.384, -.pi / 2), (0, 0, .pi / 2), (0.088, 0, .pi / 2),
        ]
        var t = Pose.identity
        for (i, r) in rows.enumerated() {
            t =
                t * Pose(orientation: Quaternion(axis: SIMD3(1, 0, 0), angle: r.alpha)) * Pose(position: SIMD3(r.a, 0, 0))
                * Pose(orientation: Quaternion(axis: SIMD3(0, 0, 1), angle: q[i])) * Pose(position: SIMD3(0, 0, r.d))
        }
        return t * Pose(position: SIMD3(0, 0, 0.107))
    }

    @Test func readyPoseMatchesTheOfficialDHNumbers() throws {
        let d = try FrankaPlugin.franka()
        let k = try ArmKinematics(descriptor: d, arm: 0)
        let tcp = k.tcpPose(d.homePositions)
        // F1-derived ready TCP (0.3069, 0, 0.4869), to 1 mm.
        #expect(length(tcp.position - SIMD3(0.3069, 0, 0.4869)) < 1e-3)
        // The TCP points straight down.
        #expect(abs(tcp.orientation.act(SIMD3(0, 0, 1)).z + 1) < 1e-9)
    }

    @Test func urdfChainAgreesWithTheDHTableEverywhere() throws {
        let d = try FrankaPlugin.franka()
        let tree = KinematicTree(d.articulation)
        let hand = d.articulation.links.firstIndex { $0.name == "hand" }!
        var rng = SeededRandom(seed: 3)
        for _ in 0..<50 {
            var q = d.homePositions
            for i in 0..<7 { q[i] = rng.uniform(-2.5, 2.5) }
            let flange = tree.linkPoses(q)[hand].position
            #expect(length(flange - Self.dhFlange(q).position) < 1e-9)
        }
    }

    @Test func jacobianMatchesFiniteDifferences() throws {
        let d = try FrankaPlugin.franka()
        let k = try ArmKinematics(descriptor: d, arm: 0)
        let q = [0.3, -0.5, 0.2, -2.0, 0.4, 1.8, 0.1, 0.02, 0.02]
        let jac = k.jacobian(q)
        let h = 1e-6
        for c in 0..<7 {
            var qp = q
            qp[c] += h
            var qm = q
            qm[c] -= h
            let dp = (k.tcpPose(qp).position - k.tcpPose(qm).position) / (2 * h)
            let dr = (k.tcpPose(qp).orientation * k.tcpPose(qm).orientation.conjugate).rotationVector / (2 * h)
            for r in 0..<3 {
                #expect(abs(jac[r * 7 + c] - dp[r]) < 1e-6)
                #expect(abs(jac[(r + 3) * 7 + c] - dr[r]) < 1e-6)
            }
        }
    }

    @Test func ikRespectsLimitsAndReachesATarget() throws {
        let d = try FrankaPlugin.franka()
        let k = try ArmKinematics(descriptor: d, arm: 0)
        var target = k.tcpPose(d.homePositions)
        target.position += SIMD3(0.15, 0.1, -0.1)
        let r = k.solve(target: target, seed: d.homePositions)
        #expect(r.converged)
        #expect(r.positionError < 1e-3)
        for (c, dof) in k.dofs.enumerated() { #expect(r.positions[dof] >= k.limits[c].0 && r.positions[dof] <= k.limits[c].1) }
    }

    /// The articulation compiler against Swift kinematics: link frames from the physics world must equal FK.
    @Test(arguments: ["franka", "franka_droid"])
    func physicsLinkPosesEqualForwardKinematics(name: String) throws {
        let d = try FrankaPlugin.makeEmbodiments().first { $0.name == name }!
        var spec = d.articulation
        spec.base = Pose(position: SIMD3(0.1, -0.2, 0.75), orientation: Quaternion(axis: SIMD3(0, 0, 1), angle: 0.3))
        var rng = SeededRandom(seed: 11)
        let world = try World(scene: Scene(name: "fk"), articulations: [spec])
        let tree = KinematicTree(d.articulation)
        for _ in 0..<10 {
            let q = d.joints.map { j in rng.uniform(j.lower, j.upper) }
            world.setJointPositions(articulation: 0, q)
            let sim = world.linkPoses(world.articulations[0])
            let fk = tree.linkPoses(q, base: spec.base)
            for (a, b) in zip(sim, fk) {
                #expect(length(a.position - b.position) < 1e-9)
                #expect(a.orientation.angle(to: b.orientation) < 1e-7)
            }
        }
    }
}
