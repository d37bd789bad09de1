import BenchtopCore
import BenchtopEval
import BenchtopPolicy
import BenchtopReasoning
import BenchtopScene
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

@testable import BenchtopRemote

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let liberoKey = "libero_spatial_no_noops_modified"

/// LIBERO-Spatial statistics (the shape of the public config.json's norm_stats).
func liberoNormStats() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-trust-norm-\(getpid()).json").path
    let json =
        #"{"n_action_bins": 256, "norm_stats": {"libero_spatial_no_noops_modified": {"action": {"q01": [-0.745, -0.662, -0.9375, -0.107, -0.207, -0.184, 0.0], "q99": [0.9375, 0.8571, 0.9375, 0.1521, 0.1907, 0.3075, 1.0], "mask": [true, true, true, true, true, true, false]}}}}"#
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func runEpisode(_ env: any Environment, _ policy: any Policy, steps: Int, horizon: Int, seed: UInt64 = 0) -> (EpisodeResult, TickLog) {
    let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: horizon, actionSteps: steps, stopOnSuccess: false))
    let log = TickLog()
    runner.subscribers = [log]
    return (runner.run(seed: seed, task: []), log)
}

/// Issue 17: the right cameras, the right units and the official decoding, against real servers on 127.0.0.1.
@Suite(.serialized) struct TrustTests {
    let quick = RemoteSettings(timeout: 20, retries: 1, retryDelay: 0.05, reconnectBudget: 0)

    /// franka_droid on pick_cube, rendered: three cameras, the wrist camera last.
    func frankaDroidObservation() throws -> Observation {
        let registry = EmbodimentRegistry()
        try registry.register(FrankaPlugin.self)
        let env = try TabletopEnvironment(
            scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"), robot: "franka_droid",
            registry: registry)
        return try env.reset(seed: 0)
    }

    @Test func everyEmbodimentsCamerasMapByRole() throws {
        let franka = try FrankaPlugin.franka().cameras.map(\.name)
        let droid = try FrankaPlugin.droid().cameras.map(\.name)
        // YAM and SO-100/101 camera names as Plugins/YAM and Plugins/SO100 declare them.
        let cases: [([String], [CameraRole: String])] = [
            (franka, [.primary: "primary", .wrist: "wrist", .leftWrist: "wrist"]),
            (
                droid,
                [
                    .primary: "exterior_image_1_left", .secondaryExterior: "exterior_image_2_left", .wrist: "wrist_image_left",
                    .leftWrist: "wrist_image_left",
                ]
            ),
            (["top", "left_wrist", "right_wrist"], [.primary: "top", .wrist: "left_wrist", .leftWrist: "left_wrist", .rightWrist: "right_wrist"]),
            (["front", "wrist"], [.primary: "front", .wrist: "wrist"]),
        ]
        for (names, expected) in cases {
            for (role, name) in expected {
                #expect(CameraSelection.index(of: role, in: names).map { names[$0] } == name, "\(names) \(role)")
            }
        }
        #expect(CameraSelection.index(of: .rightWrist, in: franka) == nil)
        #expect(CameraSelection.index(of: .rightWrist, in: droid) == nil)
    }

    @Test func droidWristCameraReachesEveryServerByName() throws {
        let o = try frankaDroidObservation()
        #expect(o.images.map(\.name) == ["exterior_image_1_left", "exterior_image_2_left", "wrist_image_left"])
        func pixels(_ name: String) -> [UInt8] { o.images.first { $0.name == name }!.rgb.pixels }
        #expect(pixels("wrist_image_left") != pixels("exterior_image_2_left"))

        // MolmoAct2's DROID host server: external_cam and wrist_cam.
        let m2 = try PythonServer("tiny_molmoact2_server.py", ["--kind", "droid"], healthPath: "/healthz")
        defer { m2.stop() }
        for (spec, external) in [("", "exterior_image_1_left"), ("?cameras=external_cam:exterior_image_2_left", "exterior_image_2_left")] {
            let policy = try RemotePolicyFactory.make(
                spec: "molmoact2=http://127.0.0.1:\(m2.port)/act\(spec)", embodiment: "franka_droid", settings: quick)
            try policy.reset(instruction: "pick up the cube", seed: 0)
            _ = try policy.act(on: o)
        }
        let received = try #require(try m2.json("/debug/log")["received"]?.array)
        func bytes(_ v: JSONValue?) -> [UInt8] { Array(Data(base64Encoded: v?["bytes"]?.string ?? "") ?? Data()) }
        try #require(received.count == 2)
        #expect(bytes(received[0]["wrist_cam"]) == pixels("wrist_image_left"), "the real wrist camera is sent as wrist_cam")
        #expect(bytes(received[0]["external_cam"]) == pixels("exterior_image_1_left"))
        #expect(received[0]["wrist_cam"]?["shape"] == .array([180, 320, 3].map { .number($0) }))
        #expect(bytes(received[1]["external_cam"]) == pixels("exterior_image_2_left"), "cameras= overrides the match")
        #expect(bytes(received[1]["wrist_cam"]) == pixels("wrist_image_left"))

        // openpi's DROID layout (chosen from the embodiment name).
        let op = try PythonServer("tiny_openpi_server.py", ["--dim", "8", "--horizon", "10"], healthPath: "/healthz")
        defer { op.stop() }
        let openpi =
            try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(op.port)", embodiment: "franka_droid", settings: quick) as! OpenPIPolicy
        #expect(openpi.layout == .droid)
        try openpi.reset(instruction: "pick up the cube", seed: 0)
        _ = try openpi.act(on: o)
        let r = try #require(openpi.lastResponse?["received"])
        for (key, camera) in [("observation/wrist_image_left", "wrist_image_left"), ("observation/exterior_image_1_left", "exterior_image_1_left")] {
            let (values, shape) = try MsgpackNumpy.decode(try #require(r[key]), field: key)
            #expect(shape == [180, 320, 3] && values == pixels(camera).map(Double.init), "\(key)")
        }

        // MolmoAct: image 1 the primary (exterior 1, resized to 256 x 256), image 2 the wrist camera.
        let stats = try liberoNormStats()
        let mm = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8", "--log-pixels"],
            healthPath: "/v1/models")
        defer { mm.stop() }
        let molmo = try RemotePolicyFactory.make(
            spec: "molmoact=http://127.0.0.1:\(mm.port)", normStats: stats, unnormKey: liberoKey,
            embodiment: "franka_droid", settings: quick)
        try molmo.reset(instruction: "pick up the cube", seed: 0)
        _ = try molmo.act(on: o)
        let served = try #require(try mm.json("/debug/log").array?.last?["pixels"]?.array)
        try #require(served.count == 2)
        let primary = o.images.first { $0.name == "exterior_image_1_left" }!.rgb
        #expect(Array(Data(base64Encoded: served[0].string ?? "") ?? Data()) == resized(primary, width: 256, height: 256).pixels)
        #expect(Array(Data(base64Encoded: served[1].string ?? "") ?? Data()) == pixels("wrist_image_left"))
    }

    @Test func liberoNormKeyActionsAreScaledLikeRobosuiteOSC() throws {
        let stats = try liberoNormStats()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8"], healthPath: "/v1/models")
        defer { server.stop() }
        let policy =
            try RemotePolicyFactory.make(
                spec: "molmoact=http://127.0.0.1:\(server.port)?steps=8", normStats: stats, unnormKey: liberoKey,
                settings: quick) as! MolmoActPolicy
        #expect(policy.units == .robosuiteOSC)
        let env = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 64, 64)], instruction: "put the cube in the bowl")
        let (result, log) = runEpisode(env, policy, steps: 8, horizon: 8)
        #expect(result.outcome == .timeout && result.ticks == 8)
        let st = try ActionNormalization.load(path: stats, unnormKey: liberoKey)
        let expected = try JSONNumpy.matrix(try #require(try server.json("/debug/log").array?.last?["expected"]), field: "expected")
        for j in 0..<8 {
            let a = log.actions[j]
            let e = expected[j]
            func halfBin(_ d: Int) -> Double { (st.q99[d] - st.q01[d]) / 255 }
            for d in 0..<3 { #expect(abs(a[d] - 0.05 * e[d]) <= 0.05 * halfBin(d) + 1e-12, "step \(j) dim \(d): \(a[d]) m vs 0.05 x \(e[d])") }
            // The rotation is the same world-frame rotation as robosuite's axis-angle delta of 0.5 rad per unit.
            let aa = AxisAngle.from(Quaternion(roll: a[3], pitch: a[4], yaw: a[5])) / 0.5
            for d in 3..<6 { #expect(abs(aa[d - 3] - e[d]) <= halfBin(d) + 1e-9, "step \(j) dim \(d)") }
            #expect(abs(a[6] - e[6]) <= 1.0 / 255 + 1e-9)
            #expect(a[0..<3].allSatisfy { abs($0) <= 0.05 }, "at most 5 cm per tick")
        }
    }

    @Test func officialDecodingKeepsTheValidStepsOfAChunk() throws {
        let stats = try liberoNormStats()
        let server = try PythonServer(
            "tiny_molmoact_server.py", ["--norm-stats", stats, "--unnorm-key", liberoKey, "--steps", "8"], healthPath: "/v1/models")
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"
        let st = try ActionNormalization.load(path: stats, unnormKey: liberoKey)
        let env = try ToyArmEnvironment(
            actionDimension: 7, stateDimension: 2, cameras: [("primary", 256, 256), ("wrist", 64, 64)], instruction: "one unknown token")
        // Default (official): the 7 valid steps run; the unknown string decodes to the lowest bin.
        let official = try RemotePolicyFactory.make(spec: "molmoact=\(url)?units=metric", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (r1, log1) = runEpisode(env, official, steps: 8, horizon: 8)
        let expected = try JSONNumpy.matrix(try #require(try server.json("/debug/log").array?.last?["expected"]), field: "expected")
        for j in 0..<8 {
            for d in 0..<6 where !(j == 0 && d == 2) {
                #expect(abs(log1.actions[j][d] - expected[j][d]) <= (st.q99[d] - st.q01[d]) / 255 + 1e-9, "step \(j) dim \(d)")
            }
        }
        let lowest = 0.5 * (ActionTokenizer.binCentre(0) + 1) * (st.q99[2] - st.q01[2]) + st.q01[2]
        #expect(abs(log1.actions[0][2] - lowest) < 1e-12)
        #expect(r1.policyErrors == 1 && r1.policyErrorFields == ["action": 1], "\(r1.policyErrorFields)")
        #expect(r1.policyErrorMessages.first?.contains("'notatoken' is not an action token") == true, "\(r1.policyErrorMessages)")
        // With Qwen2's vocabulary, a vocabulary string that is not an action token decodes to the highest bin.
        let vocab = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-vocab-\(getpid()).json").path
        try #"{"notatoken": 5, "!": 0}"#.write(toFile: vocab, atomically: true, encoding: .utf8)
        let withVocab = try RemotePolicyFactory.make(
            spec: "molmoact=\(url)?units=metric&vocab=\(vocab)", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (_, log2) = runEpisode(env, withVocab, steps: 8, horizon: 1)
        let highest = 0.5 * (ActionTokenizer.binCentre(254) + 1) * (st.q99[2] - st.q01[2]) + st.q01[2]
        #expect(abs(log2.actions[0][2] - highest) < 1e-12)
        // The older handlings stay available: zero-action drops the chunk, fail ends the episode.
        let zero = try RemotePolicyFactory.make(
            spec: "molmoact=\(url)?on_malformed=zero-action", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (r3, log3) = runEpisode(env, zero, steps: 8, horizon: 1)
        #expect(log3.actions == [[0, 0, 0, 0, 0, 0, ActionTokenizer.binCentre(254)]] && r3.policyErrors == 1)
        let fail = try RemotePolicyFactory.make(spec: "molmoact=\(url)?on_malformed=fail", normStats: stats, unnormKey: liberoKey, settings: quick)
        let (r4, _) = runEpisode(env, fail, steps: 8, horizon: 1)
        #expect(r4.outcome == .policyError("malformed output in action[0][2]: 'notatoken' is not an action token"), "\(r4.outcome)")
        // The official group rules: numeric lists and groups of another length are not actions.
        let text = "trace [[1,2],[3,4]] then [1, 2, 3, 4, 5, 6, 7] and [a, b] and [\(ActionTokenizer.string(forID: 151387)!), x, x, x, x, x, x]"
        #expect(
            MolmoActParser.officialActionTokenLists(text, dimension: 7) == [
                [ActionTokenizer.string(forID: 151387)!] + Array(repeating: "x", count: 6)
            ])
    }

    @Test func openpiLayoutsFollowOpenpisExamples() throws {
        // ALOHA: channel-first images under images/, the 14-value state.
        let aloha = try PythonServer("tiny_openpi_server.py", ["--dim", "14", "--horizon", "10"], healthPath: "/healthz")
        defer { aloha.stop() }
        let p1 = try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(aloha.port)?layout=aloha", settings: quick) as! OpenPIPolicy
        let env1 = try ToyArmEnvironment(
            actionDimension: 14, stateDimension: 14, cameras: [("top", 32, 24), ("left_wrist", 16, 16), ("right_wrist", 16, 12)])
        let (res1, log1) = runEpisode(env1, p1, steps: 5, horizon: 5)
        #expect(res1.outcome == .timeout, "\(res1.outcome)")
        let r1 = try #require(p1.lastResponse?["received"])
        let o1 = log1.observations[0]
        for (key, k) in [("images/cam_high", 0), ("images/cam_left_wrist", 1), ("images/cam_right_wrist", 2)] {
            let im = o1.images[k].rgb
            let (values, shape) = try MsgpackNumpy.decode(try #require(r1[key]), field: key)
            let planar = (0..<3).flatMap { c in stride(from: c, to: im.pixels.count, by: 3).map { Double(im.pixels[$0]) } }
            #expect(shape == [3, im.height, im.width] && values == planar, "\(key)")
        }
        // The server rearranges c h w -> h w c as AlohaInputs does; its actions read the per-channel means.
        for d in 0..<14 {
            let expected = 0.5 * tanh(Double(Float(o1.state[d]))) + mean(o1.images[0].rgb, channel: d % 3) / 255 * 0.1
            #expect(abs(log1.actions[0][d] - expected) < 1e-12, "dim \(d)")
        }

        // LIBERO: the franka molmoact mode's 7-value state becomes openpi's 8 values; OSC actions become metres.
        let libero = try PythonServer("tiny_openpi_server.py", ["--dim", "7", "--horizon", "10"], healthPath: "/healthz")
        defer { libero.stop() }
        let p2 = try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(libero.port)", settings: quick) as! OpenPIPolicy
        #expect(p2.layout == .libero && p2.actionConversion == .robosuiteOSC)
        let env2 = try ToyArmEnvironment(actionDimension: 7, stateDimension: 7, cameras: [("primary", 32, 32), ("wrist", 16, 16)])
        let (_, log2) = runEpisode(env2, p2, steps: 5, horizon: 5)
        let o2 = log2.observations[0]
        let sent = try MsgpackNumpy.decode(try #require(p2.lastResponse?["received"]?["observation/state"]), field: "state").values
        let rotation = Quaternion(roll: o2.state[3], pitch: o2.state[4], yaw: o2.state[5])
        let aa = SIMD3(sent[3], sent[4], sent[5])
        #expect(sent.count == 8 && sent[0] == Double(Float(o2.state[0])) && sent[6] == Double(Float(0.04 * o2.state[6])) && sent[7] == -sent[6])
        #expect(abs((aa * aa).sum().squareRoot() - 2 * acos(rotation.w)) < 1e-6, "axis-angle of the same rotation")
        let raw = try MsgpackNumpy.decode(try #require(p2.lastResponse?["actions"]), field: "actions")
        for j in 0..<5 {
            let a = Array(raw.values[(j * 7)..<(j * 7 + 7)])
            #expect((0..<3).allSatisfy { abs(log2.actions[j][$0] - 0.05 * min(max(a[$0], -1), 1)) < 1e-15 })
            #expect(log2.actions[j][6] == min(max((1 - a[6]) / 2, 0), 1), "gripper -1 open / +1 close -> aperture")
        }

        // DROID: joint velocities become absolute joint targets, 0.2 rad per tick at velocity 1.
        let droid = try PythonServer("tiny_openpi_server.py", ["--dim", "8", "--horizon", "10"], healthPath: "/healthz")
        defer { droid.stop() }
        let p3 = try RemotePolicyFactory.make(spec: "openpi=ws://127.0.0.1:\(droid.port)?layout=droid", settings: quick) as! OpenPIPolicy
        let env3 = try ToyArmEnvironment(
            actionDimension: 8, stateDimension: 8, cameras: [("exterior_image_1_left", 32, 32), ("wrist_image_left", 16, 16)])
        let (_, log3) = runEpisode(env3, p3, steps: 5, horizon: 5)
        let v = try MsgpackNumpy.decode(try #require(p3.lastResponse?["actions"]), field: "actions").values
        var q = Array(log3.observations[0].state[0..<7])
        for j in 0..<5 {
            for d in 0..<7 { q[d] += min(max(v[j * 8 + d], -1), 1) * 0.2 }
            #expect(zip(log3.actions[j], q + [v[j * 8 + 7] > 0.5 ? 1 : 0]).allSatisfy { abs($0 - $1) < 1e-12 }, "step \(j)")
        }
    }
}
