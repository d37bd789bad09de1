import ArgumentParser
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

    @Option(help: "Python with robosuite installed (pip install robosuite).")
    var python = ProcessInfo.processInfo.environment["BENCHTOP_ROBOSUITE_PYTHON"] ?? "python3"  // robosuite 1.5 needs mujoco 3.3, not 4

    @Flag(help: "Skip the robosuite peer.")
    var noPeers = false

    func run() throws {
        let scene = try loadScene("pick_cube")
        var ours: [Double] = []
        var theirs: [Double] = []
        var theirsWithoutCameras: [Double] = []
        var builder = EvaluationBuilder(scene: scene, robot: "franka")
        builder.controlRate = 15
        builder.horizon = ticks
        for _ in 0..<runs {
            // Episodes back to back (a new one when the task is done), every tick rendered and reasoned about.
            let runner = try builder.build().runner
            let clock = ContinuousClock()
            let start = clock.now
            var done = 0
            var seed: UInt64 = 0
            while done < ticks {
                runner.settings.horizon = ticks - done
                done += runner.run(seed: seed, task: []).ticks
                seed += 1
            }
            ours.append(Double(done) / ((clock.now - start) / .seconds(1)))
            if !noPeers {
                if let v = try robosuiteStepsPerSecond(cameras: 2) { theirs.append(v) }
                if let v = try robosuiteStepsPerSecond(cameras: 0) { theirsWithoutCameras.append(v) }
            }
        }
        print(
            "closed loop: Franka, primary + wrist 256x256 RGB (+ primary depth), 15 Hz control, 240 Hz physics, built-in policy with depth tokens and traces; median of \(runs) runs of \(ticks) ticks\n"
        )
        print("| loop | ticks/s | Benchtop / this |")
        print("|---|---:|---:|")
        print(String(format: "| Benchtop | %.1f | 1.00x |", median(ours)))
        if theirs.isEmpty {
            print("| robosuite Lift (LIBERO settings) | unavailable (pip install robosuite; --python PATH) | |")
        } else {
            print(
                String(
                    format: "| robosuite Lift, OSC_POSE 20 Hz, 2 x 256x256 cameras (the same work) | %.1f | %.1fx |", median(theirs),
                    median(ours) / median(theirs)))
        }
        if !theirsWithoutCameras.isEmpty {
            print(
                String(
                    format: "| robosuite Lift, OSC_POSE 20 Hz, no cameras (the issue's 45 steps/s anchor setting) | %.1f | %.1fx |",
                    median(theirsWithoutCameras), median(ours) / median(theirsWithoutCameras)))
        }
    }

    /// robosuite's Lift env.step rate from `bench/loop_robosuite.py`, or nil when robosuite is not installed.
    private func robosuiteStepsPerSecond(cameras: Int) throws -> Double? {
        (try? peerRate([python, "\(try benchDirectory())/loop_robosuite.py", "\(ticks)", "\(cameras)"])) ?? nil
    }
}
