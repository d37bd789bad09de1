import BenchtopEval
import Foundation
import Testing

/// benchtop-ray on a real two-node Ray cluster on loopback (python/benchtop-ray/tests/cluster_check.py starts it,
/// runs a sweep through the `benchtop-ray` command with the binary uploaded as the job's working_dir, records demos
/// through the driver API while the worker node is killed mid-run, and stops the cluster on every exit path).
/// The merged outputs must equal single-process runs: the sweep's cells.csv, report.html and pictures byte for byte
/// and its episodes but for wall-clock latencies; every file of the recording and its MolmoAct companion.
@Suite(.serialized) struct RayClusterTests {
    static let specText = """
        scene: pick_cube
        policy: builtin
        episodes: 2
        seed: 3
        horizon: 30
        render_observations: false
        pictures: true
        axes:
          physics: [2]
        """
    static let recordArguments = "--robot franka --keep-failures --episode-time 1 --image-size 64 --format v3.0"

    func executable() throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("benchtop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw RayTestError("cannot find the benchtop executable next to \(CommandLine.arguments[0]); build it with `swift build`")
    }

    /// Runs a process in the repository root, killing it after `timeout` seconds (SIGTERM, then SIGKILL); its output
    /// goes through files (no pipe can fill up while the test waits).
    func run(_ path: String, _ args: [String], timeout: TimeInterval) throws -> (Int32, String, String) {
        let logs = NSTemporaryDirectory() + "benchtop-ray-log-\(UUID().uuidString.prefix(8))"
        FileManager.default.createFile(atPath: logs + ".out", contents: nil)
        FileManager.default.createFile(atPath: logs + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: logs + ".out")
            try? FileManager.default.removeItem(atPath: logs + ".err")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".out"))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".err"))
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning {
            p.terminate()  // the script stops its cluster on SIGTERM
            let grace = Date().addingTimeInterval(20)
            while p.isRunning && Date() < grace { usleep(100_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: logs + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: logs + ".err", encoding: .utf8)) ?? ""
        return (p.terminationStatus, out, err)
    }

    func files(_ root: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: root)
        var out: [String] = []
        while let rel = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(rel) }
        }
        return out.sorted()
    }

    func expectIdentical(_ a: String, _ b: String, except: Set<String> = []) {
        let names = files(a).filter { !except.contains($0) }
        #expect(!names.isEmpty, "\(a) is empty")
        #expect(files(b).filter { !except.contains($0) } == names, "file lists of \(b) and \(a) differ")
        for name in names {
            let x = FileManager.default.contents(atPath: "\(a)/\(name)")
            let y = FileManager.default.contents(atPath: "\(b)/\(name)")
            #expect(x != nil && x == y, "\(b)/\(name) differs from the single-process run's")
        }
    }

    func results(_ dir: String) throws -> SweepResults {
        let file = "\(dir)/results.json"
        return try SweepResults.decode(try Data(contentsOf: URL(fileURLWithPath: file)), file: file)
    }

    @Test func sweepAndRecordingOnATwoNodeClusterEqualTheSingleProcessRuns() throws {
        let (pythonStatus, _, pythonError) = try run("/usr/bin/env", ["python3", "-c", "import ray"], timeout: 60)
        guard pythonStatus == 0 else {
            throw RayTestError("python3 cannot import ray (install it with scripts/setup.sh --test, which pins ray==2.60.0): \(pythonError)")
        }
        let dir = NSTemporaryDirectory() + "benchtop-ray-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = "\(dir)/tiny.yaml"
        try Self.specText.write(toFile: spec, atomically: true, encoding: .utf8)
        let benchtop = try executable()

        // Single-process runs.
        let (s1, o1, e1) = try run(benchtop, ["eval", "--sweep", spec, "--workers", "1", "--out", "\(dir)/single-sweep"], timeout: 300)
        #expect(s1 == 0, "single sweep: \(o1) \(e1)")
        let record = ["record", "pick_cube", "--seed", "0", "--attempts", "3"] + Self.recordArguments.split(separator: " ").map(String.init)
        let (s2, o2, e2) = try run(benchtop, record + ["--out", "\(dir)/single-record/demo"], timeout: 300)
        #expect(s2 == 0, "single recording: \(o2) \(e2)")

        // The cluster runs.
        let script = "\(repositoryRoot)/python/benchtop-ray/tests/cluster_check.py"
        let (status, stdout, stderr) = try run(
            "/usr/bin/env",
            [
                "python3", script, "--benchtop", benchtop, "--root", repositoryRoot, "--work", dir,
                "--spec", spec, "--scene", "pick_cube", "--attempts", "3",
                "--record-args", Self.recordArguments,
            ], timeout: 420)
        let summaryLine = stdout.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? "{}"
        let summary = (try? JSONSerialization.jsonObject(with: Data(summaryLine.utf8))) as? [String: Any] ?? [:]
        #expect(status == 0, "cluster_check.py exited with \(status): \(stdout.suffix(3000)) \(stderr.suffix(3000))")
        #expect(stderr.contains(", 0 of its processes left"), "the cluster was not stopped: \(stderr.suffix(2000))")
        guard status == 0 else { return }

        // The sweep: same episodes (latencies aside), byte-identical cells.csv, report.html and pictures.
        let single = try results("\(dir)/single-sweep")
        let merged = try results("\(dir)/ray-sweep")
        #expect(merged.shard == nil && merged.episodes.count == 4)
        #expect(merged.episodes.map(\.withoutTimings) == single.episodes.map(\.withoutTimings))
        // (.benchtop-output: the marker `eval` leaves in its output folder so that --overwrite only empties its own.)
        expectIdentical("\(dir)/single-sweep", "\(dir)/ray-sweep", except: ["results.json", ".benchtop-output"])

        // The recording, whose worker node was killed mid-run: Ray ran the lost shards again, same bytes.
        let recording = summary["record"] as? [String: Any] ?? [:]
        #expect(((recording["killed"] as? [String: Any]) ?? [:])["shard"] != nil, "the worker node was not killed during a shard: \(summary)")
        #expect((recording["retries"] as? Int ?? 0) >= 1, "no shard was retried: \(summary)")
        expectIdentical("\(dir)/single-record", "\(dir)/ray-record")
    }
}

struct RayTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
