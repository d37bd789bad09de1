import ArgumentParser
import BenchtopCore
import BenchtopPhysics
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// `benchtop sim SCENE --steps N`: steps a scene headless.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sim", abstract: "Step a scene headless and summarise it.")

    @Argument(help: "Scene file, or a name under scenes/.")
    var scene: String

    @Option(help: "Number of physics steps.")
    var steps: Int = 2400

    @Option(help: "Seed for all randomisation.")
    var seed: UInt64 = 0

    @Flag(help: "Print a JSON trace of body poses instead of a summary.")
    var json = false

    @Option(help: "With --json, record every Nth step.")
    var every: Int = 24

    @Option(help: "Embodiment to place (overrides the scene's robots block; see `benchtop embodiments list`).")
    var robot: String?

    @Flag(help: "Simulate the scene without its robots.")
    var noRobots = false

    @OptionGroup var plugins: EmbodimentPathOptions

    func validate() throws {
        // 10^8 steps are about three hours at Benchtop's speed; more is a typo, not a run.
        guard (0...100_000_000).contains(steps) else { throw ValidationError("--steps: expected 0 ... 100000000, got \(steps)") }
        guard every > 0 else { throw ValidationError("--every must be > 0") }
        if every != 24 && !json { throw ValidationError("--every only applies with --json") }
        try FlagRules.onlyWhen(!noRobots, [("--robot", robot != nil)], "without --no-robots")
    }

    func run() throws {
        var s = try loadScene(scene)
        if noRobots { s.robots = [] }
        try plugins.load()
        let world: World
        do {
            // Robots hold their home pose (or the scene's joints) with their joint motors.
            (world, _) = try CompiledScene(scene: s, robot: robot, registry: EmbodimentRegistry.shared).makeWorld(seed: seed, mode: nil)
        } catch let e as EmbodimentError {
            throw ValidationError(e.description)
        }
        let start = world.snapshot()
        var frames: [WorldSnapshot] = [start]
        let clock = ContinuousClock()
        let began = clock.now
        var outcome = "ok"
        var done = 0
        while done < steps {
            let n = json ? min(every, steps - done) : steps - done
            do { try world.step(n) } catch {
                outcome = "\(error)"
                break
            }
            done += n
            if json { frames.append(world.snapshot()) }
        }
        let elapsed = clock.now - began
        let end = world.snapshot()
        if json {
            print(TraceJSON(world: world, frames: frames, seed: seed, outcome: outcome).encoded())
            return
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("scene \(s.name), seed \(seed): \(done) steps of \(s.physics.timeStep) s = \(String(format: "%.3f", world.time)) s simulated")
        print(
            String(
                format: "wall %.3f s, %.0f steps/s (%.1fx real time)", seconds, Double(done) / max(seconds, 1e-9),
                world.time / max(seconds, 1e-9)))
        print("outcome: \(outcome)")
        for (id, body) in world.bodies.enumerated() where body.kind == .object {
            let a = start.bodies[id].pose.position
            let b = end.bodies[id].pose.position
            print(
                String(
                    format: "  %-12@ (%.4f, %.4f, %.4f) -> (%.4f, %.4f, %.4f)  moved %.4f m", body.name,
                    a.x, a.y, a.z, b.x, b.y, b.z, length(b - a)))
        }
        for (i, a) in world.articulations.enumerated() {
            let q = end.articulations[i].jointPositions
            print("  robot \(a.name): joints " + q.map { String(format: "%.4f", $0) }.joined(separator: " "))
        }
        if outcome != "ok" { throw ExitCode(2) }
    }
}

/// A JSON trace of poses: `{"scene", "seed", "time_step", "bodies": [names], "frames": [{"t", "step", "poses": [[x,y,z,qx,qy,qz,qw]...]}]}`.
struct TraceJSON {
    let world: World
    let frames: [WorldSnapshot]
    let seed: UInt64
    let outcome: String

    func encoded() -> String {
        func num(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
        var out = "{\"scene\": \(quote(world.scene.name)), \"seed\": \(seed), \"time_step\": \(world.timeStep), "
        out += "\"outcome\": \(quote(outcome)), \"bodies\": [" + world.bodies.map { quote($0.name) }.joined(separator: ", ") + "], \"frames\": [\n"
        out += frames.map { f in
            "  {\"t\": \(num(f.time)), \"step\": \(f.step), \"poses\": ["
                + f.bodies.map { "[" + $0.pose.packed.map(num).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]}"
        }.joined(separator: ",\n")
        return out + "\n]}"
    }

    private func quote(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s])
        let text = data.flatMap { String(data: $0, encoding: .utf8) } ?? "[\"\"]"
        return String(text.dropFirst().dropLast())
    }
}
