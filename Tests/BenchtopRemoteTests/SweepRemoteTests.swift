import BenchtopEval
import BenchtopTestSupport
import Foundation
import Testing

/// OOD sweeps of remote policies through the real `benchtop` binary: the spec's `policy: openpi=ws://...` runs
/// against openpi's own WebsocketPolicyServer on loopback, with one client per worker process and the server
/// shared; a server that is not there gives `policy_error` cells, not a refusal.
@Suite(.serialized) struct SweepRemoteTests {
    func spec(policy: String) -> String {
        """
        scene: pick_cube
        robot: franka
        policy: \(policy)
        episodes: 1
        seed: 2
        horizon: 4
        pictures: false
        axes:
          lighting: [2]
          physics: [1]
        """
    }

    @Test func openpiSweepRunsOnWorkersAgainstOneServer() throws {
        let server = try PythonServer("tiny_openpi_server.py", ["--dim", "7", "--horizon", "10"], healthPath: "/healthz")
        defer { server.stop() }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try spec(policy: "openpi=ws://127.0.0.1:\(server.port)").write(toFile: "\(dir)/sweep.yaml", atomically: true, encoding: .utf8)

        let two = try benchtop(["eval", "--sweep", "\(dir)/sweep.yaml", "--workers", "2", "--out", "\(dir)/two"])
        #expect(two.contains("2 worker processes"), "\(two)")
        let one = try benchtop(["eval", "--sweep", "\(dir)/sweep.yaml", "--workers", "1", "--out", "\(dir)/one"])
        let results = try load("\(dir)/two")
        let single = try load("\(dir)/one")
        #expect(results.episodes.count == 3)
        for e in results.episodes {
            #expect(e.outcome != "policy_error", "\(e.cell): \(e.error ?? "")")
            #expect(e.latencies.count == 1, "\(e.cell): one query per 4-tick episode with 8-action steps, got \(e.latencies.count)")
        }
        // The server's actions are a function of the rendered observation: worker processes give the same episodes.
        #expect(results.episodes.map(\.withoutTimings) == single.episodes.map(\.withoutTimings))
        #expect(try String(contentsOfFile: "\(dir)/two/report.html", encoding: .utf8).contains("openpi=ws://127.0.0.1"))
    }

    @Test func aFailingServerGivesPolicyErrorCells() throws {
        let port = try closedPort()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try spec(policy: "openpi=ws://127.0.0.1:\(port)").write(toFile: "\(dir)/sweep.yaml", atomically: true, encoding: .utf8)
        _ = try benchtop(["eval", "--sweep", "\(dir)/sweep.yaml", "--workers", "1", "--out", "\(dir)/out"])
        let results = try load("\(dir)/out")
        #expect(results.episodes.count == 3)
        for e in results.episodes {
            #expect(e.outcome == "policy_error" && (e.error ?? "").contains("cannot connect"), "\(e.cell): \(e.outcome) \(e.error ?? "")")
        }
    }

    @Test func commandLineFlagsASweepWouldIgnoreAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try spec(policy: "builtin").write(toFile: "\(dir)/sweep.yaml", atomically: true, encoding: .utf8)
        let disagree = try benchtop(["eval", "--sweep", "\(dir)/sweep.yaml", "--policy", "openpi=ws://127.0.0.1:1", "--out", "\(dir)/x1"], status: 1)
        #expect(disagree.contains("disagrees with the sweep spec's policy: builtin"), "\(disagree)")
        let ignored = try benchtop(["eval", "--sweep", "\(dir)/sweep.yaml", "--episodes", "5", "--robot", "so101", "--out", "\(dir)/x2"], status: 1)
        #expect(ignored.contains("--episodes") && ignored.contains("--robot"), "\(ignored)")
    }

    // MARK: - Helpers

    func load(_ dir: String) throws -> SweepResults {
        try SweepResults.decode(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/results.json")), file: "\(dir)/results.json")
    }

    func temporaryDirectory() throws -> String { try makeTemporaryFolder("sweep-remote") }

    func closedPort() throws -> Int { try closedLoopbackPort() }

    /// Runs `benchtop ARGS` from the repository root; returns its output and expects exit status `status`.
    func benchtop(_ args: [String], status: Int32 = 0) throws -> String {
        let run = try BenchtopBinary.run(args)
        #expect(run.status == status, "benchtop \(args.joined(separator: " ")): \(run.output)")
        return run.output
    }
}
