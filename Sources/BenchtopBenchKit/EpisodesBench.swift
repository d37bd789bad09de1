import ArgumentParser
import BenchtopBuilder
import BenchtopEval
import BenchtopScene
import Foundation

/// `benchtop bench episodes`: closed-loop episodes per hour with N environments in parallel, one process each (own
/// world, own EGL context on the GPU when there is one), as a batch of seeds is run on a GPU server.
public struct EpisodesBench: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "episodes",
        abstract: "Episodes per hour and ticks/s with N closed-loop environments in parallel (one process each).")

    @Option(help: "Scene.")
    var scene = "pick_cube"

    @Option(help: "Robot.")
    var robot = "franka"

    @Option(help: "Parallel environment counts to measure, comma-separated.")
    var parallel = "1,4"

    @Option(help: "Episodes each environment runs (seeds differ between environments).")
    var episodes = 3

    @Option(help: "Control rate in Hz (the loop bench's 15 Hz by default).")
    var controlRate = 15.0

    @Option(help: ArgumentHelp("Internal: run seeds START,COUNT in this process and print one JSON line.", visibility: .hidden))
    var childSeeds: String?

    public init() {}

    public func validate() throws {
        guard episodes > 0 else { throw ValidationError("--episodes must be > 0") }
        guard !counts.isEmpty, counts.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--parallel: '\(parallel.prefix(40))' is not a list of counts 1...256 (e.g. 1,4,8,16)")
        }
    }

    private var counts: [Int] { parallel.split(separator: ",").compactMap { Int($0) } }

    public func run() throws {
        if let childSeeds {
            let parts = childSeeds.split(separator: ",").compactMap { UInt64($0) }
            guard parts.count == 2 else { throw ValidationError("--child-seeds expects START,COUNT") }
            try runChild(first: parts[0], count: Int(parts[1]))
            return
        }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        print("closed loop: \(scene), \(robot), built-in policy, primary + wrist 256x256 RGB (+ primary depth), \(controlRate) Hz control;")
        print("each environment is one process running \(episodes) episode(s); wall time includes process start and context creation\n")
        print("| environments | episodes | ticks | wall (s) | ticks/s (all) | ticks/s per environment (loop only) | episodes/hour | success |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in counts {
            let clock = ContinuousClock()
            let start = clock.now
            var processes: [(Process, Pipe)] = []
            for k in 0..<n {
                let process = Process()
                process.executableURL = executable
                process.arguments = [
                    "episodes", "--scene", scene, "--robot", robot, "--control-rate", "\(controlRate)",
                    "--child-seeds", "\(k * episodes),\(episodes)",
                ]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                processes.append((process, pipe))
            }
            var results: [[String: Double]] = []
            for (process, pipe) in processes {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                guard process.terminationStatus == 0, let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
                    let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
                else {
                    throw BenchKitError("an environment process failed (status \(process.terminationStatus)): \(text.suffix(400))")
                }
                results.append(json)
            }
            let wall = (clock.now - start) / .seconds(1)
            let total = { (key: String) in results.reduce(0) { $0 + ($1[key] ?? 0) } }
            let perEnvironment = median(results.map { ($0["ticks"] ?? 0) / max($0["seconds"] ?? 1, 1e-9) })
            print(
                String(
                    format: "| %d | %.0f | %.0f | %.1f | %.1f | %.1f | %.0f | %.0f/%.0f |", n, total("episodes"), total("ticks"), wall,
                    total("ticks") / wall, perEnvironment, total("episodes") / wall * 3600, total("successes"), total("episodes")))
        }
    }

    /// Runs `count` seeded episodes back to back and prints {"episodes", "ticks", "seconds", "successes"}.
    private func runChild(first: UInt64, count: Int) throws {
        var builder = EvaluationBuilder(scene: try loadScene(scene), robot: robot)
        builder.controlRate = controlRate
        let runner = try builder.build().runner
        let clock = ContinuousClock()
        let start = clock.now
        var ticks = 0
        var successes = 0
        for seed in first..<(first + UInt64(count)) {
            let result = runner.run(seed: seed, task: [])
            ticks += result.ticks
            if result.successAtEnd { successes += 1 }
        }
        let seconds = (clock.now - start) / .seconds(1)
        print("{\"episodes\": \(count), \"ticks\": \(ticks), \"seconds\": \(seconds), \"successes\": \(successes)}")
    }
}
