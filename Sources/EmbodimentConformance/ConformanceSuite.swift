import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// The conformance suite with its pass thresholds: what `benchtop embodiments check` prints and what Benchtop's
/// own tests assert for the built-ins. Each check measures with `Conformance` and compares with `Thresholds`.
public enum ConformanceSuite {
    /// Pass thresholds (Plugins/README.md gives the measured values of the built-ins against them).
    public struct Thresholds: Sendable {
        /// Physics link poses against the URDF's kinematic tree, at seeded random configurations (m, rad).
        public var fkPosition = 1e-6
        public var fkAngle = 1e-6
        /// TCP drift while the home pose is held 10 s under gravity (m).
        public var homeDrift = 1e-3
        /// Worst excursion past a joint limit when commanded 0.5 beyond it (0.05 degrees).
        public var limitExcursion = 0.05 * Double.pi / 180
        /// IK to reachable random targets (m, rad).
        public var ikPosition = 2e-3
        public var ikAngle = 1.0 * Double.pi / 180
        /// Simulated gripper stroke against the manifest's open - closed, per finger joint (m or rad).
        public var stroke = 2e-3
        /// Scripted pick: lift (m), slip over the 3 s hold (m).
        public var lift = 0.1
        public var slip = 1e-4
        public init() {}
    }

    /// What to run, and the cube of the scripted pick.
    public struct Options: Sendable {
        public var thresholds = Thresholds()
        public var ikTargets = 20
        public var homeSeconds = 10.0
        /// Cube edge (m) and mass (kg); nil: 5 cm / 100 g when prismatic fingers open at least 6 cm, else 3 cm / 30 g.
        public var cubeSize: Double?
        public var cubeMass: Double?
        /// Cube distance from the first joint (m); nil: 1.15 x the home TCP's reach.
        public var reach: Double?
        public var skipsPick = false
        public init() {}
    }

    /// One line of the report.
    public struct Check: Sendable, CustomStringConvertible {
        public var name: String
        public var passed: Bool
        public var detail: String
        public var description: String { "\(passed ? "PASS" : "FAIL")  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(detail)" }
    }

    /// Runs every check on `d`, calling `report` as each finishes (a check that throws fails with the error).
    @discardableResult
    public static func run(_ d: EmbodimentDescriptor, options: Options = Options(), report: (Check) -> Void = { _ in }) -> [Check] {
        let t = options.thresholds
        var checks: [Check] = []
        func check(_ name: String, _ body: () throws -> (Bool, String)) {
            let c: Check
            do {
                let (ok, detail) = try body()
                c = Check(name: name, passed: ok, detail: detail)
            } catch { c = Check(name: name, passed: false, detail: "error: \(error)") }
            checks.append(c)
            report(c)
        }
        check("features") {
            let issues = Conformance.schemaIssues(d)
            let modes = d.controlModes.map { "\($0.name) (\($0.kind.rawValue), state \($0.state.count), action \($0.action.count))" }
            return (issues.isEmpty, issues.isEmpty ? "modes " + modes.joined(separator: ", ") : issues.joined(separator: "; "))
        }
        check("fk vs urdf") {
            let e = try fkErrors(d)
            return (
                e.position <= t.fkPosition && e.angle <= t.fkAngle,
                String(
                    format: "worst link %@: %.2g m, %.2g rad over 5 random configurations (limit %.0e m, %.0e rad)", e.link, e.position, e.angle,
                    t.fkPosition, t.fkAngle)
            )
        }
        check("home held") {
            let drift = try Conformance.homeDrift(d, seconds: options.homeSeconds)
            return (
                drift < t.homeDrift,
                String(format: "TCP drift %.4f mm over %.0f s (limit %.1f mm)", drift * 1000, options.homeSeconds, t.homeDrift * 1000)
            )
        }
        check("limits held") {
            let r = try Conformance.jointLimitExcursion(d)
            return (
                r.excursion < t.limitExcursion,
                String(format: "worst excursion %.2g at %@ (limit %.2g)", r.excursion, r.joint.isEmpty ? "-" : r.joint, t.limitExcursion)
            )
        }
        check("ik reach") {
            let errors = try Conformance.ikErrors(d, count: options.ikTargets)
            let bad = errors.filter { !($0.position < t.ikPosition && $0.angle < t.ikAngle) }.count
            let p = errors.map(\.position).max() ?? 0
            let a = errors.map(\.angle).max() ?? 0
            return (
                bad == 0 && !errors.isEmpty,
                String(
                    format: "%d/%d random reachable targets within %.0f mm and %.0f deg (worst %.3f mm, %.3f deg)", errors.count - bad, errors.count,
                    t.ikPosition * 1000, t.ikAngle * 180 / .pi, p * 1000, a * 180 / .pi)
            )
        }
        check("gripper stroke") {
            let s = try strokes(d)
            guard !s.isEmpty else { return (true, "no gripper") }
            let worst = s.map { abs($0.simulated - $0.expected) }.max() ?? 0
            let text = s.map { String(format: "%@ %.4f of %.4f", $0.joint, $0.simulated, $0.expected) }.joined(separator: ", ")
            return (worst <= t.stroke, text + String(format: " (limit +-%.1f mm)", t.stroke * 1000))
        }
        check("cameras") {
            let views = try cameraViews(d)
            guard !views.isEmpty else { return (true, "no cameras") }
            let blind = views.filter { !$0.seesTCP }
            let text = views.map {
                $0.seesTCP
                    ? String(format: "%@ %dx%d sees the TCP at (%.0f, %.0f)", $0.name, $0.width, $0.height, $0.pixel.x, $0.pixel.y)
                    : "\($0.name) \($0.width)x\($0.height) does not see the home TCP"
            }
            // Every arm's home TCP should be seen by at least one camera.
            return (blind.count < views.count, text.joined(separator: "; "))
        }
        if !options.skipsPick {
            for arm in d.arms.indices where d.arms[arm].gripper != nil {
                check(d.arms.count > 1 ? "pick (\(d.arms[arm].name))" : "pick") {
                    // Prismatic fingers opening 6 cm or more take the 5 cm cube; revolute jaws (SO) the 3 cm one.
                    let g = d.arms[arm].gripper!
                    let prismatic = g.joints.allSatisfy { n in d.articulation.joints.first { $0.name == n }?.kind == .prismatic }
                    let wide = prismatic && zip(g.open, g.closed).map { abs($0 - $1) }.reduce(0, +) >= 0.06
                    let size = options.cubeSize ?? (wide ? 0.05 : 0.03)
                    let mass = options.cubeMass ?? (wide ? 0.1 : 0.03)
                    let r = try Conformance.grasp(d, arm: arm, size: size, mass: mass, reach: options.reach)
                    return (
                        r.lift > t.lift && r.slip < t.slip && r.fingersTouching,
                        String(
                            format: "%.0f mm cube, %.0f g: lifted %.1f mm (limit %.0f), slip %.4f mm (limit %.1f), fingers %@", size * 1000,
                            mass * 1000,
                            r.lift * 1000, t.lift * 1000, r.slip * 1000, t.slip * 1000, r.fingersTouching ? "touching" : "not touching")
                    )
                }
            }
        }
        return checks
    }

    /// Physics link poses against the kinematic tree read from the URDF, at 5 seeded random configurations.
    public static func fkErrors(_ d: EmbodimentDescriptor, seed: UInt64 = 11) throws -> (position: Double, angle: Double, link: String) {
        let (world, c) = try Conformance.makeWorld(d)
        let tree = KinematicTree(d.articulation)
        var rng = SeededRandom(seed: seed).fork("fk-\(d.name)")
        var worst = (position: 0.0, angle: 0.0, link: "")
        for _ in 0..<5 {
            let q = d.joints.map { j in j.lower <= j.upper ? rng.uniform(j.lower, j.upper) : rng.uniform(-.pi, .pi) }
            world.setJointPositions(articulation: c.articulation, q)
            let simulated = world.linkPoses(world.articulations[c.articulation])
            let model = tree.linkPoses(q)
            for (i, link) in d.articulation.links.enumerated() {
                let want = c.basePose * model[i]
                let p = length(simulated[i].position - want.position)
                let a = simulated[i].orientation.angle(to: want.orientation)
                if p > worst.position || a > worst.angle { worst = (max(p, worst.position), max(a, worst.angle), link.name) }
            }
        }
        return worst
    }

    /// Each gripper joint's simulated travel from closed to open (no object), against the descriptor's.
    public static func strokes(_ d: EmbodimentDescriptor) throws -> [(joint: String, simulated: Double, expected: Double)] {
        let (world, c) = try Conformance.makeWorld(d)
        var out: [(String, Double, Double)] = []
        for arm in d.arms.indices {
            guard let g = d.arms[arm].gripper else { continue }
            let dofs = c.dofs(arm: arm).gripper
            c.command(arm: arm, joints: nil, aperture: 0)
            try world.step(Int(1.5 / world.timeStep))
            let closed = dofs.map { world.jointState(articulation: c.articulation).jointPositions[$0] }
            c.command(arm: arm, joints: nil, aperture: 1)
            try world.step(Int(1.5 / world.timeStep))
            let open = dofs.map { world.jointState(articulation: c.articulation).jointPositions[$0] }
            for k in g.joints.indices where k < dofs.count {
                out.append((g.joints[k], abs(open[k] - closed[k]), abs(g.open[k] - g.closed[k])))
            }
        }
        return out
    }

    /// Where each mounted camera sees the home TCP of arm 0 (the pinhole projection at home).
    public static func cameraViews(_ d: EmbodimentDescriptor) throws -> [(name: String, width: Int, height: Int, seesTCP: Bool, pixel: SIMD2<Double>)]
    {
        let tree = KinematicTree(d.articulation)
        let home = d.homePositions
        let poses = tree.linkPoses(home)
        let tcps = try d.arms.indices.map { try ArmKinematics(descriptor: d, arm: $0).tcpPose(home).position }
        return d.cameras.map { cam in
            guard let link = d.articulation.links.firstIndex(where: { $0.name == cam.link }) else {
                return (cam.name, cam.width, cam.height, false, SIMD2(0, 0))
            }
            let eye = (poses[link] * cam.offset).inverse
            let f = Double(cam.height) / 2 / tan(cam.verticalFieldOfView * .pi / 360)
            var best: (Bool, SIMD2<Double>) = (false, SIMD2(0, 0))
            for tcp in tcps {
                let p = eye.transform(tcp)  // OpenGL camera: looks along -z, y up
                guard p.z < 0 else { continue }
                let u = Double(cam.width) / 2 + f * p.x / -p.z
                let v = Double(cam.height) / 2 - f * p.y / -p.z
                if u >= 0, u < Double(cam.width), v >= 0, v < Double(cam.height) { best = (true, SIMD2(u, v)) }
            }
            return (cam.name, cam.width, cam.height, best.0, best.1)
        }
    }
}
