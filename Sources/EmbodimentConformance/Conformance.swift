import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// Behavioural checks every embodiment must pass, usable from any test target (built-ins and third-party
/// plugins alike): each returns measurements, and the caller's test asserts on them.
public enum Conformance {
    /// A world with the default table and optionally one cube, holding one robot of `embodiment` at its default base.
    public static func makeWorld(_ d: EmbodimentDescriptor, cube: SceneObject? = nil, base: Pose? = nil) throws -> (World, RobotController) {
        var scene = Scene(name: "conformance-\(d.name)")
        if let cube { scene.objects = [cube] }
        scene.robots = [RobotPlacement(name: "robot", embodiment: d.name, base: base ?? d.defaultBase)]
        let registry = EmbodimentRegistry()
        try registry.register(d)
        let (world, controllers) = try RobotAssembly.makeWorld(scene: scene, registry: registry)
        return (world, controllers[0])
    }

    /// World TCP poses of every arm, from the physics link poses.
    public static func simulatedTCP(_ world: World, _ c: RobotController) -> [Pose] {
        let poses = world.linkPoses(world.articulations[c.articulation])
        return c.kinematics.map { poses[$0.tcpLink] * $0.tcpOffset }
    }

    /// Largest TCP displacement (m) over all arms while the home pose is held under gravity for `seconds`.
    public static func homeDrift(_ d: EmbodimentDescriptor, seconds: Double = 10) throws -> Double {
        let (world, c) = try makeWorld(d)
        let start = simulatedTCP(world, c)
        let steps = Int((seconds / world.timeStep).rounded())
        var worst = 0.0
        for _ in 0..<(steps / 24) {
            try world.step(24)
            for (a, p) in simulatedTCP(world, c).enumerated() { worst = max(worst, length(p.position - start[a].position)) }
        }
        return worst
    }

    /// Largest excursion beyond a joint limit (rad or m) while every movable joint is commanded 0.5 beyond its
    /// upper and then its lower limit, each held for `seconds`.
    public static func jointLimitExcursion(_ d: EmbodimentDescriptor, seconds: Double = 1.5) throws -> (excursion: Double, joint: String) {
        // Beside the table and high above the floor, so that contacts do not fight the limits.
        let (world, c) = try makeWorld(d, base: Pose(position: SIMD3(0, 2.5, 1.8)))
        var worst = 0.0
        var worstJoint = ""
        let joints = d.joints
        for side in [1.0, -1.0] {
            let q = joints.map { j in j.lower <= j.upper ? (side > 0 ? j.upper + 0.5 : j.lower - 0.5) : 0 }
            c.setJointTargets(q)
            for _ in 0..<Int(seconds / world.timeStep) {
                try world.step()
                let s = world.jointState(articulation: c.articulation).jointPositions
                for (k, j) in joints.enumerated() where j.lower <= j.upper {
                    let e = max(s[k] - j.upper, j.lower - s[k])
                    if e > worst {
                        worst = e
                        worstJoint = j.name
                    }
                }
            }
        }
        return (worst, worstJoint)
    }

    /// IK accuracy over `count` seeded random reachable targets per arm (targets are the TCP poses of random
    /// joint configurations inside the limits, so reachable in position and orientation also by arms with fewer
    /// than 6 joints; solved from the home pose): position error (m) and angle (rad).
    public static func ikErrors(_ d: EmbodimentDescriptor, count: Int = 20, seed: UInt64 = 7) throws -> [(position: Double, angle: Double)] {
        var rng = SeededRandom(seed: seed).fork("ik-targets-\(d.name)")
        var out: [(Double, Double)] = []
        let home = d.homePositions
        for arm in d.arms.indices {
            let k = try ArmKinematics(descriptor: d, arm: arm)
            let lim = k.limits
            for _ in 0..<count {
                var q = home
                for (c, dof) in k.dofs.enumerated() {
                    let (lo, hi) = lim[c]
                    let (a, b) = lo.isFinite ? (lo, hi) : (-Double.pi, Double.pi)
                    let margin = 0.05 * (b - a)
                    q[dof] = rng.uniform(a + margin, b - margin)
                }
                let target = k.tcpPose(q)
                var options = ArmKinematics.IKOptions()
                // An arm with fewer than 6 joints reaches a full pose only at isolated configurations whose basins
                // under damped least squares with limit clamping are narrow: so101 target 11 (seed 7) is found by
                // about 1 restart in 100, so such arms get more restarts.
                options.restarts = k.dofs.count < 6 ? 128 : 32
                let r = k.solve(target: target, seed: home, options: options)
                let got = k.tcpPose(r.positions)
                out.append((length(got.position - target.position), got.orientation.angle(to: target.orientation)))
            }
        }
        return out
    }

    /// Outcome of a scripted grasp.
    public struct GraspResult: Sendable, CustomStringConvertible {
        /// Cube height gain at the end of the hold (m).
        public var lift: Double
        /// Change of the cube position relative to the first finger link during the hold (m).
        public var slip: Double
        /// Whether a finger link touched the cube when the hold ended.
        public var fingersTouching: Bool
        /// Cube centre in the first finger's frame at the start and the end of the hold.
        public var heldAt: (start: SIMD3<Double>, end: SIMD3<Double>)
        /// Physics steps taken, and the wall time spent in them (not in IK): what contact costs (`bench physics`).
        public var steps = 0
        public var stepSeconds = 0.0
        public var description: String {
            String(
                format: "lift %.4f m, slip %.6f m, touching %@, cube in finger frame (%.4f, %.4f, %.4f) -> (%.4f, %.4f, %.4f)", lift, slip,
                fingersTouching ? "yes" : "no", heldAt.start.x, heldAt.start.y, heldAt.start.z, heldAt.end.x, heldAt.end.y, heldAt.end.z)
        }
    }

    /// The scripted top-down grasp: open, move above the cube, descend, close, lift 10 cm (to `liftTarget`),
    /// hold `holdSeconds`. The cube (`size` m, `mass` kg) sits on the table in front of `arm`, `reach` m from
    /// its first joint (nil: 1.15 x the home TCP's horizontal reach).
    public static func grasp(
        _ d: EmbodimentDescriptor, arm: Int = 0, size: Double, mass: Double, reach: Double? = nil,
        liftTarget: Double = 0.13, holdSeconds: Double = 3,
        log: ((String) -> Void)? = nil
    ) throws -> GraspResult {
        let k = try ArmKinematics(descriptor: d, arm: arm)
        let home = d.homePositions
        let poses = k.tree.linkPoses(home)
        let firstJoint = d.articulation.joints.first { $0.name == d.arms[arm].joints[0] }!
        let shoulder = poses[firstJoint.child].position
        let homeTCP = k.tcpPose(home)
        var dir = SIMD3(homeTCP.position.x - shoulder.x, homeTCP.position.y - shoulder.y, 0)
        if length(dir) < 0.02 { dir = SIMD3(1, 0, 0) }
        let r = reach ?? 1.15 * length(dir)
        dir = normalize(dir)
        // Cube position in the base frame, then in the world.
        let baseCube = SIMD3(shoulder.x, shoulder.y, 0) + dir * r
        let base = d.defaultBase
        let worldCube = base.transform(SIMD3(baseCube.x, baseCube.y, 0))
        let cube = SceneObject(
            name: "cube", asset: .cube(size: SIMD3(repeating: size)), mass: mass, color: Color(0.8, 0.1, 0.1),
            position: SIMD3(worldCube.x, worldCube.y, 0), friction: 0.9)
        let (world, c) = try makeWorld(d, cube: cube)
        guard let cubeID = world.bodyID(named: "cube") else { throw EmbodimentError(embodiment: d.name, field: "grasp", "cube missing") }
        let cubeStart = world.snapshot().bodies[cubeID].pose.position
        // Gripper pointing down, closing direction snapped to the nearest horizontal base axis.
        let down = alignZDown(homeTCP.orientation)
        let cubeBase = base.inverse.transform(cubeStart)
        var q = home
        var steps = 0
        var stepTime = Duration.zero
        let clock = ContinuousClock()
        func step(_ n: Int) throws {
            let t0 = clock.now
            try world.step(n)
            stepTime += clock.now - t0
            steps += n
        }
        func moveLinear(to target: Pose, seconds: Double, aperture: Double) throws {
            let from = k.tcpPose(q)
            let ticks = max(1, Int(seconds * 60))
            let stepsPerTick = max(1, Int((1.0 / 60) / world.timeStep))
            for t in 1...ticks {
                let s = Double(t) / Double(ticks)
                let smooth = s * s * (3 - 2 * s)
                let p = Pose(
                    position: from.position + (target.position - from.position) * smooth,
                    orientation: slerp(from.orientation, target.orientation, smooth))
                let sol = k.solve(target: p, seed: q)
                q = sol.positions
                c.command(arm: arm, joints: k.dofs.map { q[$0] }, aperture: aperture)
                try step(stepsPerTick)
            }
        }
        func wait(_ seconds: Double, aperture: Double) throws {
            c.command(arm: arm, joints: k.dofs.map { q[$0] }, aperture: aperture)
            try step(Int(seconds / world.timeStep))
            if let log {
                let tcp = simulatedTCP(world, c)[arm]
                let want = base * k.tcpPose(q)
                let cube = world.snapshot().bodies[cubeID].pose.position
                log(
                    String(
                        format: "t %.2f tcp (%.4f %.4f %.4f) want (%.4f %.4f %.4f) cube (%.4f %.4f %.4f) aperture %.3f", world.time,
                        tcp.position.x, tcp.position.y, tcp.position.z, want.position.x, want.position.y, want.position.z,
                        cube.x, cube.y, cube.z, c.gripperAperture(arm: arm)))
            }
        }
        c.command(arm: arm, joints: nil, aperture: 1)
        try wait(0.3, aperture: 1)
        let above = Pose(position: cubeBase + SIMD3(0, 0, 0.12), orientation: down)
        try moveLinear(to: above, seconds: 1.5, aperture: 1)
        try wait(0.3, aperture: 1)
        let at = Pose(position: cubeBase + SIMD3(0, 0, 0.004), orientation: down)
        try moveLinear(to: at, seconds: 1.0, aperture: 1)
        try wait(0.4, aperture: 1)
        try wait(1.0, aperture: 0)
        let lifted = Pose(position: cubeBase + SIMD3(0, 0, liftTarget + 0.004), orientation: down)
        try moveLinear(to: lifted, seconds: 1.5, aperture: 0)
        try wait(0.3, aperture: 0)
        // Slip is measured against a finger: force-limited fingers may shift together with the cube, which is
        // not slip.
        let fingerLinks = (d.arms[arm].gripper?.joints ?? []).compactMap { name in d.articulation.joints.first { $0.name == name }?.child }
        let fingerFrame = { world.linkPoses(world.articulations[c.articulation])[fingerLinks.first ?? k.tcpLink] }
        let rel0 = fingerFrame().inverse.transform(world.snapshot().bodies[cubeID].pose.position)
        try wait(holdSeconds, aperture: 0)
        let cubeEnd = world.snapshot().bodies[cubeID].pose.position
        let rel1 = fingerFrame().inverse.transform(cubeEnd)
        let fingerBodies = Set(fingerLinks.map { world.articulations[c.articulation].linkBodies[$0] })
        let touching = !world.bodiesTouching(cubeID).isDisjoint(with: fingerBodies)
        return GraspResult(
            lift: cubeEnd.z - cubeStart.z, slip: length(rel1 - rel0), fingersTouching: touching, heldAt: (rel0, rel1), steps: steps,
            stepSeconds: stepTime / .seconds(1))
    }

    /// The orientation nearest to `q` whose z axis points down, rotated about the vertical so that its y axis
    /// (the closing direction of the grippers) lies along a horizontal base axis.
    static func alignZDown(_ q: Quaternion) -> Quaternion {
        let z = q.act(SIMD3(0, 0, 1))
        let axis = cross(z, SIMD3(0, 0, -1))
        let angle = acos(max(-1, min(1, -z.z)))
        var r =
            (length(axis) < 1e-9
            ? (z.z < 0 ? q : Quaternion(axis: SIMD3(1, 0, 0), angle: .pi) * q)
            : Quaternion(axis: axis, angle: angle) * q).normalized
        let y = r.act(SIMD3(0, 1, 0))
        let yaw = atan2(y.y, y.x)
        let snapped = (yaw / (.pi / 2)).rounded() * (.pi / 2)
        r = (Quaternion(axis: SIMD3(0, 0, 1), angle: snapped - yaw) * r).normalized
        return r
    }

    static func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / length(v) }

    static func slerp(_ a: Quaternion, _ b: Quaternion, _ t: Double) -> Quaternion {
        let delta = (b * a.conjugate).rotationVector
        return (Quaternion(rotationVector: delta * t) * a).normalized
    }

    /// Generic schema problems of every control mode: empty or duplicate names, state/action shapes that do not
    /// match their name lists, cameras with non-positive sizes. Empty when conformant.
    public static func schemaIssues(_ d: EmbodimentDescriptor) -> [String] {
        var issues: [String] = []
        for mode in d.controlModes {
            for f in mode.features(cameras: d.cameras) {
                if f.key == "observation.state" || f.key == "action" {
                    if f.shape != [f.names.count] { issues.append("\(mode.name): \(f.key) shape \(f.shape) vs \(f.names.count) names") }
                    if Set(f.names).count != f.names.count { issues.append("\(mode.name): \(f.key) has duplicate names") }
                    if f.names.contains(where: \.isEmpty) { issues.append("\(mode.name): \(f.key) has an empty name") }
                } else if f.shape.contains(where: { $0 <= 0 }) {
                    issues.append("\(mode.name): \(f.key) has shape \(f.shape)")
                }
            }
        }
        if Set(d.cameras.map(\.name)).count != d.cameras.count { issues.append("duplicate camera names") }
        return issues
    }
}
