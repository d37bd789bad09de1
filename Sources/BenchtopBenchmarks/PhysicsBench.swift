import ArgumentParser
import BenchtopBenchKit
import BenchtopCore
import BenchtopPhysics
import BenchtopScene
import EmbodimentConformance
import EmbodimentKit
import Foundation

/// `benchtop bench physics`: steps per second of a busy tabletop scene, Benchtop against raw Bullet C++
/// (the shim's overhead) and PyBullet (equal settings and defaults), measured in the same run.
struct PhysicsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "physics",
        abstract: "Physics steps per second: Benchtop vs raw Bullet and PyBullet on the same scene.")

    @Option(help: "Base scene.")
    var scene = "pick_cube"

    @Option(help: "Extra objects dropped on the table.")
    var extra = 20

    @Option(
        name: .customLong("steps"),
        help: "Steps per run (240 = 1 s simulated; default 2,400, or 24,000 with --robot, where 2,400 steps last only ~30 ms and time noisily).")
    var stepsOverride: Int?

    var steps: Int { stepsOverride ?? (robot.isEmpty ? 2400 : 24000) }

    @Option(help: "Runs per configuration; the median is reported.")
    var runs = 5

    @Flag(help: "Skip the peers (raw Bullet, PyBullet).")
    var noPeers = false

    @Option(
        help:
            "Embodiment placed on the scene (repeatable): steps/s with that robot holding its home pose and its joint tracking, no extra objects; for franka, MuJoCo and PyBullet peers (bench/robot_peers.py) in the same run."
    )
    var robot: [String] = []

    @OptionGroup var plugins: EmbodimentPathOptions

    @Flag(help: "What mesh shapes cost: the extra objects as 5 cm cubes, mesh hulls and HACD decompositions (no peers).")
    var meshShapes = false

    func run() throws {
        let base = try loadScene(scene)
        if meshShapes {
            try runMeshShapes(base)
            return
        }
        if !robot.isEmpty {
            try plugins.load()
            try runRobots(base)
            try contactCost()
            return
        }
        let benchScene = BenchmarkScene.addingObjects(to: base, count: extra, seed: 7)
        var peers: [(name: String, measure: () throws -> Double?)] = []
        if !noPeers {
            let dir = try benchDirectory()
            let sceneFile = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-physics-scene.txt").path
            try BenchmarkScene.export(try World(scene: benchScene, seed: 0)).write(toFile: sceneFile, atomically: true, encoding: .utf8)
            let raw = try compileRawBullet(dir: dir)
            peers = [
                ("raw Bullet C++ (same world settings)", { try raw.map { try peerRate([$0, sceneFile, "\(steps)", "1"]) } ?? nil }),
                (
                    "PyBullet, equal step and iterations",
                    { try peerRate(["python3", "\(dir)/physics_pybullet.py", sceneFile, "\(steps)", "1", "equal"]) }
                ),
                (
                    "PyBullet, its defaults (50 iterations)",
                    { try peerRate(["python3", "\(dir)/physics_pybullet.py", sceneFile, "\(steps)", "1", "defaults"]) }
                ),
            ]
        }
        // Interleave the engines run by run, so that a busy machine slows all of them alike.
        var ours: [Double] = []
        var theirs = [[Double]](repeating: [], count: peers.count)
        // Alternate who goes first, so that neither side always meets a machine warmed or cooled by the other.
        for run in 0..<runs {
            if run % 2 == 0 { ours.append(try measureBenchtop(benchScene)) }
            for (i, peer) in peers.enumerated() { if let r = try peer.measure() { theirs[i].append(r) } }
            if run % 2 == 1 { ours.append(try measureBenchtop(benchScene)) }
        }
        let oursMedian = median(ours)
        print(
            "scene \(base.name) + \(extra) objects (\(benchScene.objects.count) objects), \(steps) steps of \(benchScene.physics.timeStep) s, median of \(runs) interleaved runs, one thread\n"
        )
        print("| engine | steps/s | Benchtop / this |")
        print("|---|---:|---:|")
        print(String(format: "| Benchtop (defaults: %d solver iterations) | %.0f | 1.00x |", benchScene.physics.solverIterations, oursMedian))
        for (i, peer) in peers.enumerated() {
            guard !theirs[i].isEmpty else {
                print("| \(peer.name) | unavailable | |")
                continue
            }
            print(String(format: "| %@ | %.0f | %.2fx |", peer.name, median(theirs[i]), oursMedian / median(theirs[i])))
        }
        if let raw = theirs.first, !raw.isEmpty {
            print(String(format: "\nshim + Swift overhead over raw Bullet: %.1f%%", (median(raw) / oursMedian - 1) * 100))
        }
    }

    /// `--robot`: steps/s of each embodiment holding its home pose on the scene, and its joint tracking; for
    /// `franka` (unless --no-peers) MuJoCo (bench/franka.xml) and PyBullet (the same URDF) run interleaved with it.
    private func runRobots(_ base: Scene) throws {
        let dir = try? benchDirectory()
        print(
            "scene \(base.name), \(steps) steps of \(base.physics.timeStep) s, robot holding its home pose under its motors, median of \(runs) interleaved runs, one thread"
        )
        print("tracking: arm joints 1, 2 and 4 follow home + 0.3 rad x sin(2 pi t / 2 s) for 2 s, RMS (largest) joint error\n")
        print("| embodiment | engine | steps/s | Benchtop / this | tracking RMS (max), rad |")
        print("|---|---|---:|---:|---:|")
        for name in robot {
            var peers: [(name: String, engine: String)] = []
            if name == "franka", !noPeers, let dir {
                peers = [
                    ("MuJoCo \(pythonModuleVersion("mujoco") ?? "?") (bench/franka.xml, its default solver)", "mujoco"),
                    ("PyBullet, equal step and iterations (10)", "pybullet-equal"),
                    ("PyBullet, its defaults (50 iterations)", "pybullet-defaults"),
                ]
            }
            var ours: [Double] = []
            var theirs = [[Double]](repeating: [], count: peers.count)
            for r in 0..<runs {
                ours.append(try RobotPhysicsBench.stepsPerSecondOnce(scene: base, robot: name, steps: steps, seed: UInt64(r)))
                for (i, p) in peers.enumerated() {
                    if let v = try peerRate(["python3", "\(dir!)/robot_peers.py", p.engine, "speed", "\(steps)"]) { theirs[i].append(v) }
                }
            }
            let track = try RobotPhysicsBench.tracking(scene: base, robot: name)
            let oursMedian = median(ours)
            print(
                String(
                    format: "| %@ | Benchtop (defaults: %d solver iterations) | %.0f | 1.00x | %.4f (%.4f) |", name,
                    base.physics.solverIterations, oursMedian, track.rms, track.max))
            for (i, p) in peers.enumerated() {
                var trackText = "unavailable"
                if let out = try? runProcess(["python3", "\(dir!)/robot_peers.py", p.engine, "track"]), out.status == 0,
                    let line = out.output.split(separator: "\n").last,
                    let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double],
                    let rms = json["rms"], let mx = json["max"]
                {
                    trackText = String(format: "%.4f (%.4f)", rms, mx)
                }
                guard !theirs[i].isEmpty else {
                    print("| \(name) | \(p.name) | unavailable | | \(trackText) |")
                    continue
                }
                print(String(format: "| %@ | %@ | %.0f | %.2fx | %@ |", name, p.name, median(theirs[i]), oursMedian / median(theirs[i]), trackText))
            }
        }
    }

    /// With two or more robots: what their collision models cost in contact. Each robot runs the conformance
    /// suite's scripted pick (5 cm, 100 g cube; a mesh robot's fingers and links collide as convex hulls of their
    /// meshes), interleaved run by run; only the physics steps are timed, not IK.
    private func contactCost() throws {
        guard robot.count >= 2 else { return }
        let descriptors = try robot.map { try EmbodimentRegistry.shared.embodiment(named: $0) }
        var rates = [[Double]](repeating: [], count: robot.count)
        var lifts = [Double](repeating: 0, count: robot.count)
        for _ in 0..<runs {
            for (i, d) in descriptors.enumerated() {
                let g = try Conformance.grasp(d, size: 0.05, mass: 0.1)
                rates[i].append(Double(g.steps) / g.stepSeconds)
                lifts[i] = g.lift
            }
        }
        print(
            "\ncontact cost: the scripted pick of `embodiments check` (open, descend, close, lift, hold 3 s), physics steps only, median of \(runs) interleaved runs\n"
        )
        print("| embodiment | collision model | steps/s in the pick | \(robot[0]) / this | lift, m |")
        print("|---|---|---:|---:|---:|")
        for (i, d) in descriptors.enumerated() {
            let meshes = d.articulation.links.flatMap(\.collision).filter { $0.shape.triangleMesh != nil }
            let model = meshes.isEmpty ? "primitives" : "\(meshes.count) convex hulls of meshes"
            print(String(format: "| %@ | %@ | %.0f | %.2fx | %.3f |", d.name, model, median(rates[i]), median(rates[0]) / median(rates[i]), lifts[i]))
        }
    }

    private func pythonModuleVersion(_ module: String) -> String? {
        guard let r = try? runProcess(["python3", "-c", "import \(module); print(\(module).__version__)"]), r.status == 0 else { return nil }
        return r.output.split(separator: "\n").last.map(String.init)
    }

    func measureBenchtop(_ scene: Scene) throws -> Double {
        let world = try World(scene: scene, seed: 0)
        let clock = ContinuousClock()
        let start = clock.now
        try world.step(steps)
        return Double(steps) / ((clock.now - start) / .seconds(1))
    }

    /// Compiles bench/raw_bullet.cpp against the same Debian Bullet; nil (with a message) when it cannot.
    private func compileRawBullet(dir: String) throws -> String? {
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-raw-bullet").path
        let flags = try runProcess(["pkg-config", "--cflags", "--libs", "bullet-float64"])
        let words = flags.output.split(whereSeparator: \.isWhitespace).map(String.init)
        guard flags.status == 0,
            try runProcess(["g++", "-O2", "-DBT_USE_DOUBLE_PRECISION", "-o", binary, "\(dir)/raw_bullet.cpp"] + words).status == 0
        else {
            FileHandle.standardError.write(Data("raw Bullet peer unavailable: could not compile \(dir)/raw_bullet.cpp\n".utf8))
            return nil
        }
        return binary
    }
}
