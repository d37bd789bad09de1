import BenchtopTestSupport
import Foundation
import Testing

@testable import BenchtopDataset

/// The real LeRobot in the cached venvs of `scripts/setup.sh --test`: lerobot 0.6.1 (reads v3.0) and 0.3.3
/// (reads v2.1). Missing venvs fail the tests with the command that creates them; nothing is skipped.
enum LeRobotVenv {
    static let probe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lerobot_probe.py").path

    static func python(_ version: DatasetVersion) throws -> String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"].map { $0 } ?? (NSHomeDirectory() + "/.cache")
        let venv = version == .v3_0 ? "venv-torch" : "venv-lerobot-0.3.3"
        let path = cache + "/benchtop/\(venv)/bin/python"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropError(
                "\(path) is missing: run `scripts/setup.sh --test` once (it installs lerobot \(version == .v3_0 ? "0.6.1" : "0.3.3") into that cached venv)"
            )
        }
        return path
    }

    static func run(_ version: DatasetVersion, _ arguments: [String]) throws -> [String: Any] {
        let (status, out, err) = try runProcess(try python(version), [probe] + arguments)
        guard status == 0, let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] else {
            throw InteropError("lerobot_probe.py \(arguments.prefix(2).joined(separator: " ")) failed (status \(status)): \(err.suffix(2000))")
        }
        return json
    }

    /// Whether LeRobot loads each dataset (every item, tasks as strings, finite values), with its error if not.
    static func load(_ version: DatasetVersion, _ roots: [String]) throws -> [String: (ok: Bool, error: String, episodes: Int)] {
        let json = try run(version, ["load"] + roots)
        var out: [String: (Bool, String, Int)] = [:]
        for root in roots {
            let r = json[root] as? [String: Any] ?? [:]
            out[root] = (r["ok"] as? Bool ?? false, r["error"] as? String ?? "no answer", r["episodes"] as? Int ?? 0)
        }
        return out
    }
}

/// Runs a program (at most 10 minutes); returns its exit status (negative: killed by that signal), stdout and stderr.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> (
    Int32, String, String
) {
    let r = try ChildProcess.run(executable, arguments, environment: environment, directory: directory)
    return (r.status, r.stdout, r.stderr + (r.timedOut ? "\n[ended after 600 s]" : ""))
}

/// Recordings of every robot in both layouts, cut by `kill -9` at every commit point, resumed, replayed, checked
/// by `dataset check` and by the real LeRobot (which must agree), and trained on for a few LeRobot steps.
/// Small on purpose: 32x32 cameras, episodes of a few ticks.
@Suite(.serialized) struct LeRobotMatrixTests {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let robots = ["franka", "franka_droid", "yam_bimanual", "so101", "so100"]

    /// The commit points of one episode, in order (the recorder's and the dataset writer's).
    static func commitPoints(_ version: DatasetVersion) -> [String] {
        version == .v3_0
            ? ["annotations", "videos", "data", "tasks", "episodes", "stats", "info", "manifest"]
            : ["annotations", "videos", "tasks", "episodes_stats", "data", "episodes", "stats", "info", "manifest"]
    }

    /// `benchtop record` with tiny settings; `crashAt` = "point:episode" kills it there.
    func record(
        _ root: String, robot: String, version: DatasetVersion?, episodes: Int, resume: Bool = false,
        crashAt: String? = nil
    ) throws -> (Int32, String) {
        var arguments = [
            "record", "pick_cube", "--robot", robot, "--episodes", "\(episodes)", "--out", root, "--image-size", "32",
            "--episode-time", "0.3", "--keep-failures", "--seed", "5",
        ]
        if let version { arguments += ["--format", version.rawValue] }
        if resume { arguments.append("--resume") }
        let (status, out, err) = try runProcess(
            try benchtopExecutable(), arguments,
            environment: crashAt.map { ["BENCHTOP_CRASH_AT": $0] } ?? [:],
            directory: Self.repositoryRoot)
        return (status, out + err)
    }

    /// `dataset check` in process (the same code as the command): nil when it passes, else the error.
    func check(_ root: String) -> String? {
        do {
            try LeRobotDataset(root: root).validate()
            return nil
        } catch { return "\(error)" }
    }

    /// Every episode replays with divergence 0 (the `benchtop replay` command; exit 0 only when exact).
    func expectExactReplays(_ root: String, episodes: Int) throws {
        for e in 0..<episodes {
            let (status, out, err) = try runProcess(try benchtopExecutable(), ["replay", root, "--episode", "\(e)"], directory: Self.repositoryRoot)
            #expect(status == 0 && out.contains("first diverging step: none"), "\(root) episode \(e): \(out) \(err)")
        }
    }

    /// Seeds are distinct and the manifest lists exactly the dataset's episodes.
    func expectAlignedManifest(_ root: String, episodes: Int) throws {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/meta/benchtop.json"))) as! [String: Any]
        let listed = manifest["episodes"] as! [[String: Any]]
        #expect(listed.map { $0["index"] as! Int } == Array(0..<episodes), "\(root): manifest lists \(listed.map { $0["index"] ?? -1 })")
        let seeds = listed.map { $0["seed"] as! Int }
        #expect(Set(seeds).count == seeds.count, "\(root): seeds \(seeds) repeat")
    }

    @Test(arguments: DatasetVersion.allCases)
    func killedAtEveryCommitPointThenResumed(version: DatasetVersion) throws {
        let base = try temporaryDirectory("matrix-crash-\(version.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let points = Self.commitPoints(version)
        var roots: [String] = []
        for point in points {
            let root = base + "/\(point)"
            let (status, output) = try record(root, robot: "franka", version: version, episodes: 2, crashAt: "\(point):1")
            #expect(status == -SIGKILL, "\(point): the recording was not killed there: \(output.suffix(600))")
            roots.append(root)
        }
        // A kill before the first commit leaves no dataset: LeRobot and `dataset check` both refuse it.
        let empty = base + "/empty"
        _ = try record(empty, robot: "franka", version: version, episodes: 1, crashAt: "videos:0")
        roots.append(empty)

        let lerobot = try LeRobotVenv.load(version, roots)
        for root in roots {
            let ours = check(root)
            let theirs = lerobot[root]!
            #expect((ours == nil) == theirs.ok, "\(root): dataset check says \(ours ?? "ok"), LeRobot \(theirs.ok ? "loads it" : theirs.error)")
        }
        // Every prefix loads except v2.1 between its data file and episodes.jsonl (no atomic pair of renames;
        // resume removes that data file), and a folder with no committed episode.
        for (point, root) in zip(points, roots) {
            let invalid = version == .v2_1 && point == "data"
            #expect(lerobot[root]!.ok == !invalid, "\(point): LeRobot \(lerobot[root]!.ok ? "loads it" : lerobot[root]!.error)")
        }
        #expect(lerobot[empty]!.ok == false)

        // Resume adds one episode to whatever was committed; the result is whole everywhere.
        var expected: [String: Int] = [:]
        for root in roots {
            let committed = (try? LeRobotDataset(root: root, resuming: true).episodes.count) ?? 0
            let (status, output) = try record(root, robot: "franka", version: nil, episodes: 1, resume: true)
            #expect(status == 0, "\(root): resume failed: \(output.suffix(800))")
            expected[root] = committed + 1
        }
        let after = try LeRobotVenv.load(version, roots)
        for root in roots {
            #expect(check(root) == nil, "\(root): \(check(root) ?? "")")
            #expect(after[root]!.ok && after[root]!.episodes == expected[root]!, "\(root): LeRobot \(after[root]!)")
            let d = try LeRobotDataset(root: root)
            #expect(d.version == version && d.episodes.count == expected[root]!)
            try expectAlignedManifest(root, episodes: d.episodes.count)
            let companion = try ParquetFile(path: root + "_molmoact/data/train-00000-of-00001.parquet")
            #expect(companion.rowCount == d.totalFrames, "\(root): companion table has \(companion.rowCount) rows for \(d.totalFrames) frames")
        }
        try expectExactReplays(roots[points.firstIndex(of: "manifest")!], episodes: 3)
        try expectExactReplays(roots[points.firstIndex(of: "data")!], episodes: expected[roots[points.firstIndex(of: "data")!]]!)
    }

    @Test(arguments: DatasetVersion.allCases)
    func everyRobotRecordsResumesReplaysAndLoads(version: DatasetVersion) throws {
        let base = try temporaryDirectory("matrix-robots-\(version.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: base) }
        var roots: [String] = []
        for robot in Self.robots {
            let root = base + "/\(robot)"
            var (status, output) = try record(root, robot: robot, version: version, episodes: 1)
            #expect(status == 0, "\(robot): \(output.suffix(800))")
            if robot == Self.robots[0] {
                // Re-running into the folder without --resume names the option.
                (status, output) = try record(root, robot: robot, version: version, episodes: 1)
                #expect(status != 0 && output.contains("--resume"), "\(robot): \(output.suffix(400))")
            }
            (status, output) = try record(root, robot: robot, version: nil, episodes: 1, resume: true)
            #expect(status == 0, "\(robot) resume: \(output.suffix(800))")
            #expect(check(root) == nil, "\(robot): \(check(root) ?? "")")
            try expectAlignedManifest(root, episodes: 2)
            try expectExactReplays(root, episodes: 2)
            roots.append(root)
        }
        var loaded = roots
        if version == .v2_1 {
            // The MolmoAct v1 export of the Franka recording (image, wrist_image, v2.1) loads in lerobot 0.3.3, MolmoAct's pin.
            let (status, out, err) = try runProcess(
                try benchtopExecutable(), ["dataset", "molmoact", roots[0], "--lerobot-v1"], directory: Self.repositoryRoot)
            #expect(status == 0, "\(out) \(err)")
            loaded.append(roots[0] + "_molmoact/lerobot")
            #expect(check(roots[0] + "_molmoact/lerobot") == nil)
        }
        let lerobot = try LeRobotVenv.load(version, loaded)
        for root in loaded { #expect(lerobot[root]!.ok && lerobot[root]!.episodes == 2, "\(root): \(lerobot[root]!)") }
        guard version == .v3_0 else { return }
        // The current LeRobot trains (lerobot-train's own `train`, ACT) on every robot's default recording.
        let trained = try LeRobotVenv.run(.v3_0, ["train", "2"] + roots.flatMap { [$0, $0 + "-train"] })
        for root in roots {
            let result = trained[root] as? [String: Any] ?? [:]
            #expect(result["ok"] as? Bool == true, "\(root): lerobot-train: \(result)")
        }
    }

    @Test func datasetCheckFailsExactlyWhereLeRobotFails() throws {
        let base = try temporaryDirectory("matrix-corrupt")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let kinds = ["none", "video-path-outside", "nan-action", "tasks-no-index"]
        var roots: [String] = []
        for kind in kinds {
            let root = base + "/\(kind)"
            let (status, _, err) = try runProcess(
                try benchtopExecutable(), ["dataset", "write-test", "--root", root, "--episodes", "2", "--frames", "6"])
            #expect(status == 0, "\(err)")
            if kind != "none" { _ = try Interop.run(["corrupt", root, kind]) }
            roots.append(root)
        }
        let lerobot = try LeRobotVenv.load(.v3_0, roots)
        for (kind, root) in zip(kinds, roots) {
            let ours = check(root)
            #expect((ours == nil) == (kind == "none"), "\(kind): dataset check says \(ours ?? "ok")")
            #expect(lerobot[root]!.ok == (kind == "none"), "\(kind): LeRobot \(lerobot[root]!)")
        }
    }
}
