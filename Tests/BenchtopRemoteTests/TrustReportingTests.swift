import BenchtopCore
import BenchtopEval
import BenchtopPolicy
import BenchtopReasoning
import BenchtopTestSupport
import Foundation
import Testing

@testable import BenchtopRemote

/// Runs `benchtop ARGS` in the repository root: exit status and output (stdout + stderr).
func benchtop(_ args: [String]) throws -> (Int32, String) {
    let run = try BenchtopBinary.run(args, in: repositoryRoot)
    return (run.status, run.output)
}

func temporaryDirectory(_ name: String) -> String { (try? makeTemporaryFolder(name)) ?? NSTemporaryDirectory() }

/// A port nothing listens on (bound, then released).
func deadPort() throws -> Int {
    let s = try PythonServer("tiny_openpi_server.py", ["--dim", "2"], healthPath: "/healthz")
    let port = s.port
    s.stop()
    return port
}

/// Issue 17: visible malformed answers, time-outs and reconnects, bounded answers, the exit status and the
/// parsed reasoning, against real servers on 127.0.0.1 and through the real binary.
@Suite(.serialized) struct TrustReportingTests {
    let quick = RemoteSettings(timeout: 20, retries: 1, retryDelay: 0.05, reconnectBudget: 0)

    @Test func malformedAnswersAreCountedPerFieldInEveryOutput() throws {
        let stats = try liberoNormStats()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8"], healthPath: "/v1/models")
        defer { server.stop() }
        let policy = try RemotePolicyFactory.make(
            spec: "molmoact=http://127.0.0.1:\(server.port)", normStats: stats, unnormKey: liberoKey, settings: quick)
        let env = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 64, 64)], instruction: "malformed task")
        let (r1, _) = runEpisode(env, policy, steps: 8, horizon: 3)
        let (r2, _) = runEpisode(env, policy, steps: 8, horizon: 3, seed: 1)
        env.instruction = "bad depth task"
        let (r3, _) = runEpisode(env, policy, steps: 8, horizon: 8, seed: 2)
        #expect(r1.outcome == .timeout && r1.policyErrors == 3 && r1.policyErrorFields == ["action": 3], "\(r1.policyErrorFields)")
        #expect(r1.policyErrorMessages.count == 3 && r1.policyErrorMessages[0].contains("missing 'the action that the robot should take is"))
        // A short depth string does not change the actions but is counted.
        #expect(r3.policyErrors == 0 && r3.policyErrorFields == ["depth": 1], "\(r3.policyErrorFields)")
        #expect(r3.policyErrorMessages.first?.contains("98") == true, "\(r3.policyErrorMessages)")

        let report = EvaluationReport(title: "malformed", settings: [], results: [r1, r2, r3])
        #expect(report.summary.policyErrorLines.first == "policy errors in 3/3 episodes: action 6, depth 1")
        let dir = temporaryDirectory("malformed")
        try report.write(to: dir)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/results.json"))) as? [String: Any])
        let errors = try #require((json["summary"] as? [String: Any])?["policy_errors"] as? [String: Any])
        #expect(errors["by_field"] as? [String: Int] == ["action": 6, "depth": 1] && errors["episodes_with_errors"] as? Int == 3)
        #expect((errors["first_messages"] as? [String])?.count == EpisodeResult.keptPolicyErrorMessages)
        let episodes = try #require(json["episodes"] as? [[String: Any]])
        #expect(episodes[2]["policy_error_fields"] as? [String: Int] == ["depth": 1])
        let csv = try String(contentsOfFile: "\(dir)/episodes.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv[0].hasSuffix(",policy_errors,policy_error_fields"))
        #expect(csv[1].hasSuffix(",3,action:3") && csv[3].hasSuffix(",0,depth:1"), "\(csv)")
        let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
        #expect(html.contains("<h2>Policy errors</h2>") && html.contains("0 + 3 recovered"))
    }

    @Test func firstCallTimeoutAndReconnectBudgetAreOptions() throws {
        // A slow first answer (3 s) fits the first-call limit although the per-query limit is 1 s; a later one does not.
        let m2 = try PythonServer("tiny_molmoact2_server.py", ["--kind", "droid"], healthPath: "/healthz")
        defer { m2.stop() }
        let slow = try RemotePolicyFactory.make(
            spec: "molmoact2=http://127.0.0.1:\(m2.port)/act?timeout=1&first_timeout=10&retries=0", settings: quick)
        let env = try ToyArmEnvironment(
            actionDimension: 8, stateDimension: 8, cameras: [("external", 16, 16), ("wrist", 16, 16)], instruction: "slow")
        let (first, _) = runEpisode(env, slow, steps: 15, horizon: 15)
        #expect(first.outcome == .timeout && first.ticks == 15, "\(first.outcome)")
        let (second, _) = runEpisode(env, slow, steps: 15, horizon: 15)
        #expect(second.outcome.label == "policy_error" && "\(second.outcome)".contains("(limit 1.0 s)"), "\(second.outcome)")
        #expect(second.policyErrorFields == ["timeout": 1])

        // A server restart of about 2 s between two queries: within a 20 s reconnect budget the episode goes on.
        let server = try PythonServer("tiny_openpi_server.py", ["--dim", "2"], healthPath: "/healthz")
        let port = server.port
        let policy = try RemotePolicyFactory.make(
            spec: "openpi=ws://127.0.0.1:\(port)?actions=raw&retries=1&retry_delay=0.05&reconnect=20",
            settings: quick)
        let arm = try ToyArmEnvironment(actionDimension: 2, stateDimension: 8, cameras: [("primary", 16, 16), ("wrist", 16, 16)])
        let (before, _) = runEpisode(arm, policy, steps: 5, horizon: 5)
        #expect(before.outcome == .timeout)
        server.stop()
        let restarted = LockedServer()
        let thread = Thread {
            Thread.sleep(forTimeInterval: 1)
            restarted.server = try? PythonServer("tiny_openpi_server.py", ["--dim", "2", "--port", "\(port)"], healthPath: "/healthz")
        }
        thread.start()
        let (after, _) = runEpisode(arm, policy, steps: 5, horizon: 5, seed: 1)
        #expect(after.outcome == .timeout && after.ticks == 5, "\(after.outcome)")
        while restarted.server == nil { Thread.sleep(forTimeInterval: 0.1) }
        restarted.server?.stop()
        // Without the budget, the same restart ends the episode after the plain retries.
        let strict = try RemotePolicyFactory.make(
            spec: "openpi=ws://127.0.0.1:\(port)?actions=raw&retries=1&retry_delay=0.05&reconnect=0", settings: quick)
        let (gone, _) = runEpisode(arm, strict, steps: 5, horizon: 5)
        #expect("\(gone.outcome)".contains("cannot connect") && "\(gone.outcome)".contains("after 2 attempts"), "\(gone.outcome)")
        #expect(throws: PolicySpecError.self) { try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:1?timeout=-3") }
    }

    @Test func answersAreBoundedWithAClearError() throws {
        let openpi = try PythonServer("tiny_openpi_server.py", ["--dim", "2"], healthPath: "/healthz")
        defer { openpi.stop() }
        let env = try ToyArmEnvironment(
            actionDimension: 2, stateDimension: 8, cameras: [("primary", 16, 16), ("wrist", 16, 16)], instruction: "huge")
        let p1 = try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(openpi.port)?actions=raw&max_response_mb=1", settings: quick)
        let (r1, _) = runEpisode(env, p1, steps: 5, horizon: 5)
        #expect("\(r1.outcome)".contains("exceeds the limit of 1048576 bytes"), "\(r1.outcome)")

        let m2 = try PythonServer("tiny_molmoact2_server.py", ["--kind", "droid"], healthPath: "/healthz")
        defer { m2.stop() }
        let env8 = try ToyArmEnvironment(
            actionDimension: 8, stateDimension: 8, cameras: [("external", 16, 16), ("wrist", 16, 16)], instruction: "huge")
        let p2 = try RemotePolicyFactory.make(spec: "molmoact2=http://127.0.0.1:\(m2.port)/act?max_response_mb=1", settings: quick)
        let (r2, _) = runEpisode(env8, p2, steps: 15, horizon: 15)
        #expect("\(r2.outcome)".contains("Content-Length") && "\(r2.outcome)".contains("exceeds the limit of 1048576 bytes"), "\(r2.outcome)")

        // A 2 MB MolmoAct answer within the limit: parsed, but the reasoning keeps 16 KiB of its text.
        let stats = try liberoNormStats()
        let mm = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8"], healthPath: "/v1/models")
        defer { mm.stop() }
        let env7 = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 64, 64)], instruction: "huge answer")
        let p3 = try RemotePolicyFactory.make(spec: "molmoact=http://127.0.0.1:\(mm.port)", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (r3, log3) = runEpisode(env7, p3, steps: 8, horizon: 8)
        let text = try #require(log3.reasonings[0]?.text)
        #expect(r3.outcome == .timeout && text.utf8.count < 16 * 1024 + 64 && text.hasSuffix("bytes in all]"), "\(r3.outcome) \(text.utf8.count)")
        let p4 = try RemotePolicyFactory.make(
            spec: "molmoact=http://127.0.0.1:\(mm.port)?max_response_mb=1", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (r4, _) = runEpisode(env7, p4, steps: 8, horizon: 8)
        #expect("\(r4.outcome)".contains("exceeds the limit"), "\(r4.outcome)")
    }

    @Test func evalExitsNonZeroWhenNoEpisodeReachedATaskOutcome() throws {
        let port = try deadPort()
        let dir = temporaryDirectory("dead")
        let (status, output) = try benchtop([
            "eval", "pick_cube", "--policy", "openpi=ws://127.0.0.1:\(port)", "--episodes", "2", "--no-video",
            "--no-panels", "--policy-retries", "0", "--out", dir,
        ])
        #expect(status != 0 && output.contains("no episode reached a task outcome (policy_error 2)"), "\(status): \(output)")
        #expect(output.contains("policy errors in 2/2 episodes: server 2"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/results.json"))
        // An episode that failed before its first tick still gets its (empty) reasoning file, not a bare newline.
        let timeline = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/timeline/episode_001.jsonl"))
        #expect(timeline.isEmpty)
    }

    @Test func parsedReasoningIsAlwaysWrittenAndParsesOffline() throws {
        let stats = try liberoNormStats()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8"], healthPath: "/v1/models")
        defer { server.stop() }
        let dir = temporaryDirectory("parse")
        let (status, output) = try benchtop([
            "eval", "pick_cube", "--policy", "molmoact=http://127.0.0.1:\(server.port)?steps=8", "--norm-stats", stats,
            "--unnorm-key", liberoKey, "--episodes", "1", "--horizon", "8", "--control-rate", "20",
            "--no-video", "--no-panels", "--out", dir,
        ])
        #expect(status == 0, "\(output)")
        let lines = try String(contentsOfFile: "\(dir)/timeline/episode_000.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let chunk = try #require(first["chunk"] as? [[Double]])
        #expect((first["depth_tokens"] as? [Int])?.count == 100 && (first["text"] as? String)?.contains("<DEPTH_START>") == true)
        // LIBERO deltas in robosuite units: the TCP moves at most about 5 cm per 20 Hz tick (not tens of centimetres).
        let tcps = try lines.map { line -> SIMD3<Double> in
            let t = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["tcp"] as? [Double])
            return SIMD3(t[0], t[1], t[2])
        }
        for k in 1..<tcps.count {
            let step = tcps[k] - tcps[k - 1]
            #expect((step * step).sum().squareRoot() < 0.06, "tick \(k): \(step)")
        }
        // Offline: the same answer through `benchtop molmoact parse` gives the chunk the robot ran.
        let (ps, parsed) = try benchtop(["molmoact", "parse", "\(dir)/timeline/episode_000.jsonl", "--norm-stats", stats, "--unnorm-key", liberoKey])
        #expect(ps == 0, "\(parsed)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(parsed.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(object["actions"] as? [[Double]] == chunk && object["units"] as? String == "robosuite-osc")
        #expect((object["issues"] as? [Any])?.isEmpty == true && (object["depth_codes"] as? [Int])?.count == 100)
    }
}

final class LockedServer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: PythonServer?
    var server: PythonServer? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
        set {
            lock.lock()
            value = newValue
            lock.unlock()
        }
    }
}
