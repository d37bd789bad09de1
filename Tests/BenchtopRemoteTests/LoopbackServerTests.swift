import BenchtopCore
import BenchtopEval
import BenchtopPolicy
import BenchtopReasoning
import Foundation
import Testing

@testable import BenchtopRemote

/// Closed-loop episodes through real servers on 127.0.0.1: openpi's own WebsocketPolicyServer, a FastAPI +
/// json_numpy server following MolmoAct2's /act contract, and an OpenAI-compatible endpoint answering in
/// MolmoAct's format. A missing python3 or pip package fails the test with the command to install it.
@Suite(.serialized) struct LoopbackServerTests {
    let quick = RemoteSettings(timeout: 10, retries: 1, retryDelay: 0.05, reconnectBudget: 0)

    func run(_ env: ToyArmEnvironment, _ policy: any Policy, steps: Int, horizon: Int, seed: UInt64 = 0) -> (EpisodeResult, TickLog) {
        let runner = EpisodeRunner(
            environment: env, policy: policy, settings: RunnerSettings(horizon: horizon, actionSteps: steps, stopOnSuccess: false))
        let log = TickLog()
        runner.subscribers = [log]
        return (runner.run(seed: seed, task: []), log)
    }

    @Test func openpiServerActionsArriveInTheLoop() throws {
        let server = try PythonServer("tiny_openpi_server.py", ["--dim", "2", "--horizon", "10"], healthPath: "/healthz")
        defer { server.stop() }
        let policy = try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(server.port)?actions=raw", settings: quick) as! OpenPIPolicy
        // The libero layout sends an 8-value state (openpi's LIBERO example); the policy reads its first two.
        let env = try ToyArmEnvironment(actionDimension: 2, stateDimension: 8, cameras: [("primary", 64, 48), ("wrist", 32, 32)])
        let (result, log) = run(env, policy, steps: 5, horizon: 20)
        #expect(result.outcome == .timeout && result.ticks == 20, "\(result.outcome)")
        #expect(policy.metadata?["name"] == .string("tiny") && policy.metadata?["action_horizon"]?.int == 10)
        // Each executed action is the server's function of the observation its chunk was asked on.
        for t in 0..<20 {
            let o = log.observations[t / 5 * 5]
            let j = t % 5
            for d in 0..<2 {
                let expected = 0.5 * tanh(Double(Float(o.state[d]))) + 0.01 * Double(j) + mean(o.images[0].rgb, channel: d % 3) / 255 * 0.1
                #expect(abs(log.actions[t][d] - expected) < 1e-12, "tick \(t) dim \(d): \(log.actions[t][d]) vs \(expected)")
            }
        }
        #expect(Set(log.observations.map(\.state)).count > 2, "the arm should move")
        #expect(policy.lastTiming?.inferMilliseconds != nil && policy.lastTiming?.previousTotalMilliseconds != nil)
        // numpy scalars arrive as msgpack_numpy's __npgeneric__ maps.
        #expect(try MsgpackNumpy.decode(try #require(policy.lastResponse?["calls"]), field: "calls").values == [4])
    }

    @Test func openpiServerErrorsEndTheEpisodeAndTheRunGoesOn() throws {
        let server = try PythonServer("tiny_openpi_server.py", ["--dim", "2"], healthPath: "/healthz")
        defer { server.stop() }
        let policy = OpenPIPolicy(host: "127.0.0.1", port: server.port, settings: quick)
        let env = try ToyArmEnvironment(
            actionDimension: 2, stateDimension: 8, cameras: [("primary", 16, 16), ("wrist", 16, 16)], instruction: "crash")
        let (crashed, _) = run(env, policy, steps: 5, horizon: 10)
        guard case .policyError(let message) = crashed.outcome else {
            Issue.record("expected a policy error, got \(crashed.outcome)")
            return
        }
        #expect(message.contains("RuntimeError: the tiny policy was asked to crash"), "\(message)")
        // The server closed that connection; the next episode reconnects and runs.
        env.instruction = "raise the arm"
        let (ok, _) = run(env, policy, steps: 5, horizon: 10, seed: 1)
        #expect(ok.outcome == .timeout && ok.ticks == 10, "\(ok.outcome)")
        // Server gone: refused connections are retried, then the episode ends with a policy error.
        server.stop()
        policy.close()
        let (gone, _) = run(env, policy, steps: 5, horizon: 10, seed: 2)
        guard case .policyError(let m2) = gone.outcome else {
            Issue.record("expected a policy error, got \(gone.outcome)")
            return
        }
        #expect(m2.contains("cannot connect") && m2.contains("after 2 attempts"), "\(m2)")
    }

    @Test func molmoAct2DroidHostServerActionsArriveInTheLoop() throws {
        let server = try PythonServer("tiny_molmoact2_server.py", ["--kind", "droid"], healthPath: "/healthz")
        defer { server.stop() }
        let policy = try RemotePolicyFactory.make(spec: "molmoact2=http://127.0.0.1:\(server.port)/act", settings: quick) as! MolmoAct2Policy
        let env = try ToyArmEnvironment(actionDimension: 8, stateDimension: 8, cameras: [("external", 64, 40), ("wrist", 32, 32)])
        let (result, log) = run(env, policy, steps: 15, horizon: 30)
        #expect(result.outcome == .timeout && result.ticks == 30, "\(result.outcome)")
        #expect(policy.serverKind == .host(normTag: "franka_droid") && policy.embodiment == .droid)
        for t in 0..<30 {
            let o = log.observations[t / 15 * 15]
            let j = t % 15
            let m = mean(o.images[0].rgb, channel: nil)
            for d in 0..<8 {
                let expected = Double(Float(Double(Float(o.state[d])) + 0.01 * Double(j) + m / 255 * 0.01))
                #expect(log.actions[t][d] == expected, "tick \(t) dim \(d)")
            }
        }
        #expect(policy.lastServerMilliseconds != nil)
    }

    @Test func molmoAct2ServerFailuresAreReported() throws {
        let server = try PythonServer("tiny_molmoact2_server.py", ["--kind", "droid"], healthPath: "/healthz")
        defer { server.stop() }
        let policy = try MolmoAct2Policy(
            url: "http://127.0.0.1:\(server.port)/act",
            settings: RemoteSettings(timeout: 1, retries: 1, retryDelay: 0.05, firstCallTimeout: 1))
        let env = try ToyArmEnvironment(
            actionDimension: 8, stateDimension: 8, cameras: [("external", 16, 16), ("wrist", 16, 16)], instruction: "fail500")
        let (failed, _) = run(env, policy, steps: 15, horizon: 15)
        #expect(failed.outcome == .policyError("server error: HTTP 500: inference failed (injected)"), "\(failed.outcome)")
        env.instruction = "slow"
        let (slow, _) = run(env, policy, steps: 15, horizon: 15)
        guard case .policyError(let m) = slow.outcome else {
            Issue.record("expected a timeout, got \(slow.outcome)")
            return
        }
        #expect(m.hasPrefix("timeout:"), "\(m)")
        // A wrong state length is caught before sending.
        let small = try ToyArmEnvironment(actionDimension: 8, stateDimension: 7, cameras: [("external", 16, 16), ("wrist", 16, 16)])
        let (bad, _) = run(small, policy, steps: 15, horizon: 15)
        #expect(bad.outcome == .policyError("invalid action: franka_droid expects a state of 8 values; the observation has 7"))
        // After all that, a normal episode still works on the same client.
        env.instruction = "raise the arm"
        Thread.sleep(forTimeInterval: 2.5)  // the server's slow handler holds its worker until it finishes
        let (ok, _) = run(env, policy, steps: 15, horizon: 15)
        #expect(ok.outcome == .timeout && ok.ticks == 15, "\(ok.outcome)")
    }

    @Test func molmoAct2GenericServerSessionsAndDepth() throws {
        let server = try PythonServer("tiny_molmoact2_server.py", ["--kind", "generic"], healthPath: "/health")
        defer { server.stop() }
        let policy =
            try RemotePolicyFactory.make(
                spec: "molmoact2=http://127.0.0.1:\(server.port)/act?style=action_chunk", embodiment: "franka",
                settings: quick) as! MolmoAct2Policy
        let env = try ToyArmEnvironment(actionDimension: 8, stateDimension: 8, cameras: [("external", 32, 32), ("wrist", 16, 16)])
        let (r1, log) = run(env, policy, steps: 10, horizon: 20, seed: 7)
        let (r2, _) = run(env, policy, steps: 10, horizon: 10, seed: 8)
        #expect(r1.ticks == 20 && r2.ticks == 10)
        #expect(policy.serverKind == .generic(defaultNormTag: "franka_droid"))
        let debug = try server.json("/debug/log")
        #expect(debug["resets"] == .array([.string("benchtop:7:1"), .string("benchtop:8:2")]))
        #expect(debug["sessions"] == .array([.string("benchtop:7:1"), .string("benchtop:7:1"), .string("benchtop:8:2")]))
        // Depth codes of the first answer: (i * 7 + 1) % 128.
        #expect(log.reasonings[0]?.depthTokens == (0..<100).map { ($0 * 7 + 1) % 128 })
        let m = mean(log.observations[0].images[0].rgb, channel: nil)
        #expect(log.actions[3][5] == Double(Float(Double(Float(log.observations[0].state[5])) + 0.03 + m / 255 * 0.01)))
    }

    func normStatsFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-norm-\(getpid()).json").path
        let json =
            #"{"n_action_bins": 256, "norm_stats": {"libero_spatial_no_noops_modified": {"action": {"q01": [-0.745, -0.662, -0.9375, -0.107, -0.207, -0.184, 0.0], "q99": [0.9375, 0.8571, 0.9375, 0.1521, 0.1907, 0.3075, 1.0], "mask": [true, true, true, true, true, true, false]}}}}"#
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func molmoActChatServerAnswersAreDecodedInTheLoop() throws {
        let stats = try normStatsFile()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", "libero_spatial_no_noops_modified", "--steps", "8"],
            healthPath: "/v1/models")
        defer { server.stop() }
        // units=metric: the decoded values themselves (the LIBERO key's robosuite scaling is tested in TrustTests).
        let policy =
            try RemotePolicyFactory.make(
                spec: "molmoact=http://127.0.0.1:\(server.port)?steps=8&units=metric", normStats: stats,
                unnormKey: "libero_spatial_no_noops_modified", settings: quick) as! MolmoActPolicy
        let env = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 128, 128)], instruction: "put the cube in the bowl")
        let (result, log) = run(env, policy, steps: 8, horizon: 24)
        #expect(result.outcome == .timeout && result.ticks == 24, "\(result.outcome)")
        #expect(policy.model == "allenai/MolmoAct-7B-D-LIBERO-Spatial-0812")
        let served = try server.json("/debug/log").array ?? []
        try #require(served.count == 3)
        let stats7 = try ActionNormalization.load(path: stats, unnormKey: "libero_spatial_no_noops_modified")
        for (q, entry) in served.enumerated() {
            let o = log.observations[q * 8]
            #expect(entry["prompt"]?.string == MolmoActPrompt.multiView.text(instruction: "put the cube in the bowl"))
            #expect(entry["sizes"] == .array([.array([256, 256, 3].map { .number($0) }), .array([128, 128, 3].map { .number($0) })]))
            #expect(entry["temperature"] == .number(0))
            #expect(entry["means"]?.array?.first?.double == mean(o.images[0].rgb, channel: nil), "PNG pixels arrive unchanged")
            let expected = try JSONNumpy.matrix(try #require(entry["expected"]), field: "expected")
            for j in 0..<8 {
                for d in 0..<7 {
                    let halfBin = d < 6 ? (stats7.q99[d] - stats7.q01[d]) / 255 : 1.0 / 255
                    #expect(abs(log.actions[q * 8 + j][d] - expected[j][d]) <= halfBin + 1e-9, "query \(q) step \(j) dim \(d)")
                }
            }
            let r = try #require(log.reasonings[q * 8])
            let m = Int(mean(o.images[0].rgb, channel: nil))
            #expect(r.depthTokens == (0..<100).map { ($0 * 3 + m) % 128 })
            #expect(r.traces.count == 1 && r.traces[0].count == 5)
        }
        #expect(policy.issueCounts.isEmpty)
    }

    @Test func molmoActMalformedAnswersAndSteering() throws {
        let stats = try normStatsFile()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", "libero_spatial_no_noops_modified", "--steps", "8"],
            healthPath: "/v1/models")
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"
        let env = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 64, 64)], instruction: "malformed task")
        // Zero action with the last gripper: the episode goes on, each bad answer is counted.
        let lenient =
            try RemotePolicyFactory.make(spec: "molmoact=\(url)", normStats: stats, unnormKey: "libero_spatial_no_noops_modified", settings: quick)
            as! MolmoActPolicy
        let (goesOn, log) = run(env, lenient, steps: 8, horizon: 3)
        #expect(goesOn.outcome == .timeout && goesOn.ticks == 3)
        #expect(log.actions.allSatisfy { $0 == [0, 0, 0, 0, 0, 0, ActionTokenizer.binCentre(254)] })
        // The runner collects what the policy recovered from: every bad answer is counted in the episode.
        #expect(goesOn.policyErrors == 3 && lenient.takeRecoveredErrors().isEmpty)
        #expect(lenient.issueCounts["action"] == 3)
        // Failing mode: the episode ends with a policy error naming the field.
        let strict = try RemotePolicyFactory.make(
            spec: "molmoact=\(url)?on_malformed=fail", normStats: stats, unnormKey: "libero_spatial_no_noops_modified", settings: quick)
        let (ended, _) = run(env, strict, steps: 8, horizon: 3)
        #expect(
            ended.outcome == .policyError("malformed output in action: missing 'the action that the robot should take is [...]'"), "\(ended.outcome)")
        // Bimanual phrasing: two traces.
        env.instruction = "bimanual handover"
        let (two, twoLog) = run(env, lenient, steps: 8, horizon: 8)
        #expect(two.ticks == 8 && twoLog.reasonings[0]?.traces.count == 2)
        // Steering: the trace is drawn on image 1 in cyan and the answer carries actions only.
        let steer =
            try RemotePolicyFactory.make(
                spec: "molmoact=\(url)?prompt=steering-multi-view&trace=20,200;120,120;200,40", normStats: stats,
                unnormKey: "libero_spatial_no_noops_modified", settings: quick) as! MolmoActPolicy
        env.instruction = "stack the blocks"
        let (steered, steerLog) = run(env, steer, steps: 8, horizon: 8)
        #expect(steered.outcome == .timeout && steerLog.reasonings[0]?.depthTokens == nil)
        let last = try #require(try server.json("/debug/log").array?.last)
        #expect(last["prompt"]?.string == MolmoActPrompt.steeringMultiView.text(instruction: "stack the blocks"))
        #expect((last["cyan_pixels"]?.double ?? 0) > 200)
        #expect(steer.issueCounts.isEmpty)
        // TraceFollowing (perturbation stages, the viewer): one steering query with the same views, then the
        // reasoning prompt again; the steered chunk shows the trace it was given.
        lenient.follow(trace: [SIMD2(30, 200), SIMD2(200, 60)])
        let (_, followLog) = run(env, lenient, steps: 8, horizon: 16)
        let prompts = try #require(try server.json("/debug/log").array?.suffix(2).map { $0["prompt"]?.string })
        #expect(
            prompts == [
                MolmoActPrompt.steeringMultiView.text(instruction: "stack the blocks"),
                MolmoActPrompt.multiView.text(instruction: "stack the blocks"),
            ])
        #expect(followLog.reasonings[0]?.traces == [[SIMD2(30, 200), SIMD2(200, 60)]])
        #expect(lenient.prompt == .multiView)
    }
}
