import ArgumentParser
import BenchtopBenchKit
import BenchtopBuilder
import BenchtopEval
import BenchtopScene
import Foundation

/// `benchtop bench loop`: ticks per second of the closed loop with the built-in policy, against robosuite's
/// (LIBERO's) environment step rate measured in the same run.
struct LoopBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop", abstract: "Closed-loop ticks/s (Franka, two 256x256 cameras, 15 Hz control, 240 Hz physics) vs robosuite.")

    @Option(help: "Ticks per run.")
    var ticks = 300

    @Option(help: "Runs; the median is reported.")
    var runs = 3

    @Option(help: "Python with robosuite installed (default: the venv `scripts/setup.sh --bench` makes, pinned robosuite 1.5.2 + mujoco 3.3.7).")
    var python = ProcessInfo.processInfo.environment["BENCHTOP_ROBOSUITE_PYTHON"] ?? cachedVenvPython("venv-robosuite") ?? "python3"

    @Flag(help: "Skip the robosuite peer.")
    var noPeers = false

    func run() throws {
        let scene = try loadScene("pick_cube")
        var ours: [Double] = []
        var oursStateOnly: [Double] = []
        var theirs: [Double] = []
        var theirsWithoutCameras: [Double] = []
        for _ in 0..<runs {
            ours.append(try ticksPerSecond(scene: scene, rendersImages: true))
            // A policy that takes no images (state only): nobody reads the cameras, so none are rendered.
            oursStateOnly.append(try ticksPerSecond(scene: scene, rendersImages: false))
            if !noPeers {
                if let v = try robosuiteStepsPerSecond(cameras: 2) { theirs.append(v) }
                if let v = try robosuiteStepsPerSecond(cameras: 0) { theirsWithoutCameras.append(v) }
            }
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        print(
            "closed loop: Franka, 15 Hz control, 240 Hz physics, built-in policy; median of \(runs) interleaved runs of \(ticks) ticks; \(cpuName()), load average \(load)\n"
        )
        print("| loop | ticks/s | Benchtop (same work) / this |")
        print("|---|---:|---:|")
        print(
            String(
                format: "| Benchtop, primary + wrist 256x256 RGB (+ primary depth) every tick, depth tokens and traces | %.1f | 1.00x |", median(ours)
            ))
        print(String(format: "| Benchtop, state-only policy (no camera rendered) | %.1f | 1.00x |", median(oursStateOnly)))
        if theirs.isEmpty {
            print("| robosuite Lift (LIBERO settings) | unavailable (pip install robosuite; --python PATH) | |")
        } else {
            print(
                String(
                    format: "| robosuite Lift, OSC_POSE 20 Hz, 2 x 256x256 cameras (vs Benchtop with cameras) | %.1f | %.1fx |", median(theirs),
                    median(ours) / median(theirs)))
        }
        if !theirsWithoutCameras.isEmpty {
            print(
                String(
                    format: "| robosuite Lift, OSC_POSE 20 Hz, no cameras (vs Benchtop state-only) | %.1f | %.1fx |",
                    median(theirsWithoutCameras), median(oursStateOnly) / median(theirsWithoutCameras)))
        }
    }

    /// Episodes back to back (a new one when the task is done) until `ticks` ticks have run; ticks per second.
    /// Like the peer, which creates and resets its environment and steps it 10 times before its clock starts, the
    /// clock starts after a 10-tick warm-up episode: the GL context, the shader programs and llvmpipe's compiled
    /// variants are made once per environment, not per tick. Every timed episode still builds its own world.
    private func ticksPerSecond(scene: Scene, rendersImages: Bool) throws -> Double {
        var builder = EvaluationBuilder(scene: scene, robot: "franka")
        builder.controlRate = 15
        builder.horizon = 10
        builder.rendersImages = rendersImages
        let runner = try builder.build().runner
        _ = runner.run(seed: 1_000, task: [])
        let clock = ContinuousClock()
        let start = clock.now
        var done = 0
        var seed: UInt64 = 0
        while done < ticks {
            runner.settings.horizon = ticks - done
            done += runner.run(seed: seed, task: []).ticks
            seed += 1
        }
        return Double(done) / ((clock.now - start) / .seconds(1))
    }

    /// robosuite's Lift env.step rate from `bench/loop_robosuite.py`, or nil when robosuite is not installed.
    private func robosuiteStepsPerSecond(cameras: Int) throws -> Double? {
        (try? peerRate([python, "\(try benchDirectory())/loop_robosuite.py", "\(ticks)", "\(cameras)"])) ?? nil
    }
}
