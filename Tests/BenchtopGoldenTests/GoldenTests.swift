import BenchtopTestSupport
import Foundation
import Testing

/// "Same seed, same bits" across refactors: a fixed set of commands (eval on every shipped scene with every
/// robot, a sweep, a perturbation run, a recording and its replay) run through the real `benchtop` binary, and
/// their outcomes and world-state digests are compared with `golden.json`, which was generated from the code
/// before the architecture change. A difference means a change altered what the simulation computes.
///
/// To regenerate after an intended change of behaviour: `BENCHTOP_WRITE_GOLDEN=1 swift test --filter GoldenTests`
/// (and say why in the commit).
@Suite struct GoldenTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()
    static let goldenPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden.json").path

    static let robots = ["franka", "franka_droid", "yam_bimanual", "so101", "so100"]
    static let scenes = [
        "pick_cube", "pick_cube_small", "place_in_bowl", "place_in_bowl_small", "push_to_target", "stack_blocks",
        "stack_blocks_small",
    ]
    /// Control ticks per evaluated episode: enough for the policy to plan, move and touch, short enough to stay cheap.
    static let horizon = "20"

    static let sweepSpec = """
        scene: pick_cube_small
        robot: so101
        policy: builtin
        episodes: 1
        seed: 5
        horizon: 20
        render_observations: false
        pictures: false
        axes:
          distractors: [2]
          physics: [3]
          robot_init: [1]
        """

    @Test func sameSeedSameBits() throws {
        let dir = NSTemporaryDirectory() + "benchtop-golden-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.sweepSpec.write(toFile: "\(dir)/sweep.yaml", atomically: true, encoding: .utf8)

        // Independent commands run two at a time (the machine has two cores).
        var evals: [(name: String, args: [String])] = []
        for scene in Self.scenes {
            for robot in Self.robots {
                evals.append(
                    (
                        "eval/\(scene)/\(robot)",
                        [
                            "eval", scene, "--robot", robot, "--episodes", "1", "--seed", "1",
                            "--horizon", Self.horizon, "--no-video", "--no-panels",
                            "--out", "\(dir)/eval/\(scene)/\(robot)",
                        ]
                    ))
            }
        }
        evals.append(("sweep", ["eval", "--sweep", "\(dir)/sweep.yaml", "--workers", "1", "--out", "\(dir)/sweep"]))
        evals.append(
            (
                "perturb",
                [
                    "eval", "pick_cube", "--perturb", "perturbations/pick_cube_trace.yaml", "--episodes", "1",
                    "--seed", "2", "--horizon", Self.horizon, "--no-video", "--no-panels", "--out", "\(dir)/perturb",
                ]
            ))
        evals.append(
            (
                "record",
                [
                    "record", "pick_cube", "--robot", "franka", "--episodes", "1", "--seed", "4", "--episode-time", "1.5",
                    "--image-size", "32", "--keep-failures", "--out", "\(dir)/recording",
                ]
            ))
        let outputs = try runAll(evals.map(\.args))
        var actual: [String: [String: String]] = [:]
        for ((name, _), output) in zip(evals, outputs) {
            switch name {
            case "sweep": actual.merge(try sweepFacts("\(dir)/sweep")) { $1 }
            case "perturb": actual.merge(try perturbationFacts("\(dir)/perturb")) { $1 }
            case "record": actual["record"] = try recordingFacts("\(dir)/recording", output: output)
            default: actual[name] = try evalFacts("\(dir)/\(name)")
            }
        }
        // The recording, replayed: exact (no diverging step), and the same final state as when recorded.
        let replay = try runAll([["replay", "\(dir)/recording", "--episode", "0"]])[0]
        actual["replay"] = ["output": try #require(replay.split(separator: "\n").last { $0.hasPrefix("episode 0") }.map(String.init))]
        #expect(replay.contains("first diverging step: none"), "replay diverged: \(replay)")

        if ProcessInfo.processInfo.environment["BENCHTOP_WRITE_GOLDEN"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(actual).write(to: URL(fileURLWithPath: Self.goldenPath))
        }
        let golden = try JSONDecoder().decode(
            [String: [String: String]].self,
            from: Data(contentsOf: URL(fileURLWithPath: Self.goldenPath)))
        #expect(Set(actual.keys) == Set(golden.keys), "cases differ from golden.json")
        for name in golden.keys.sorted() {
            guard let facts = actual[name] else { continue }
            for (key, value) in golden[name]!.sorted(by: { $0.key < $1.key }) {
                #expect(facts[key] == value, "\(name) \(key): got \(facts[key] ?? "nothing"), golden.json has \(value)")
            }
            #expect(Set(facts.keys) == Set(golden[name]!.keys), "\(name): facts differ from golden.json")
        }
    }

    // MARK: - Facts compared

    /// Outcome, ticks, progression and the final world digest of an evaluation's one episode.
    func evalFacts(_ dir: String) throws -> [String: String] {
        let json = try object("\(dir)/results.json")
        let episode = try #require((json["episodes"] as? [[String: Any]])?.first, "\(dir)/results.json has no episode")
        return facts(of: episode)
    }

    func facts(of episode: [String: Any]) -> [String: String] {
        var f: [String: String] = [:]
        for key in ["outcome", "ticks", "progression", "final_state_digest", "cartesian_path_length_m", "joint_path_length_rad"] {
            f[key] = episode[key].map { "\($0)" } ?? "absent"
        }
        return f
    }

    func sweepFacts(_ dir: String) throws -> [String: [String: String]] {
        let json = try object("\(dir)/results.json")
        let episodes = try #require(json["episodes"] as? [[String: Any]], "\(dir)/results.json has no episodes")
        #expect(episodes.count == 4)
        var all: [String: [String: String]] = [:]
        for e in episodes { all["sweep/\(e["cell"] ?? "?")/\(e["episode"] ?? "?")"] = facts(of: e) }
        return all
    }

    func perturbationFacts(_ dir: String) throws -> [String: [String: String]] {
        let names = ["baseline", "trace_offset_15", "trace_offset_40", "depth_random_30", "action_noise", "gripper_flip", "blur_occlusion"]
        var all: [String: [String: String]] = [:]
        for name in names {
            var f = try evalFacts("\(dir)/\(name)")
            if name != "baseline" {
                f["perturbation_log_digest"] = digest(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/perturbation_log.jsonl")))
            }
            all["perturb/\(name)"] = f
        }
        return all
    }

    /// The recorded states, as a digest of their JSON with sorted keys (the file's key order follows Swift's
    /// per-process dictionary order, so its bytes vary between runs while its values do not).
    func recordingFacts(_ root: String, output: String) throws -> [String: String] {
        let file = try Data(contentsOf: URL(fileURLWithPath: "\(root)/meta/benchtop/episode-000000.json"))
        let states = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: file), options: [.sortedKeys])
        let frames = output.split(separator: "\n").last { $0.hasPrefix("wrote") }.flatMap { $0.split(separator: "(").dropFirst().first }
        return ["states_digest": digest(states), "frames": frames.map { String($0.prefix { $0 != ")" }) } ?? "absent"]
    }

    // MARK: - Helpers

    func object(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) is not a JSON object")
    }

    /// FNV-1a over bytes, as 16 hex digits.
    func digest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Runs `benchtop ARGS` for each argument list, two processes at a time, in the repository root; returns
    /// each one's output in order and fails on a non-zero exit status.
    func runAll(_ commands: [[String]]) throws -> [String] {
        let executable = try BenchtopBinary.path()
        var outputs = [String](repeating: "", count: commands.count)
        var next = 0
        while next < commands.count {
            let batch = Array(next..<min(next + 2, commands.count))
            var running: [(Int, Process, URL)] = []
            for i in batch {
                let p = ChildProcess.make(executable, commands[i], directory: Self.root)
                let log = URL(fileURLWithPath: NSTemporaryDirectory() + "benchtop-golden-log-\(UUID().uuidString.prefix(8)).txt")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                p.standardOutput = handle
                p.standardError = handle
                try p.run()
                running.append((i, p, log))
            }
            for (i, p, log) in running {
                let timedOut = ChildProcess.finish(p, timeout: 600)
                outputs[i] = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: log)
                #expect(!timedOut && p.terminationStatus == 0, "benchtop \(commands[i].joined(separator: " ")): \(outputs[i])")
            }
            next += batch.count
        }
        return outputs
    }
}

struct GoldenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
