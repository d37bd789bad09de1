import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopImage
import BenchtopPolicy
import BenchtopReasoning
import BenchtopRecording
import BenchtopRender
import BenchtopScene
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Scripted recordings of the Franka (64x64 cameras, short episodes so debug builds stay quick).
@Suite(.serialized) struct RecordingTests {
    static let registry: EmbodimentRegistry = {
        let r = EmbodimentRegistry()
        try! r.register(FrankaPlugin.self)
        return r
    }()

    static let ticks = 24

    /// Records `episodes` scripted episodes of `ticks` ticks into a fresh folder; returns the root.
    func record(episodes: Int, ticks: Int = ticks, mode: String? = nil, tokenizerName: String = "builtin") throws -> (String, DemoRecorder) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-recording-\(UUID().uuidString)").path
        let scenePath = "\(repositoryRoot)/scenes/pick_cube.yaml"
        let scene = try SceneLoader.load(path: scenePath)
        let env = try RecordingSetup.environment(
            scene: scene, robot: nil, mode: mode, controlRate: nil, imageSize: 64,
            registry: Self.registry)
        let cameras = env.cameraNames.map { n in (name: n, width: 64, height: 64) }
        let layout = try RecordingLayout(
            style: .automatic(for: env.controller.mode), mode: env.controller.mode, cameras: cameras,
            fps: Int(env.controlRate), robotType: env.embodiment.name)
        let manifest = RecordingManifest(
            sceneName: env.scene.name, scenePath: scenePath,
            sceneYAML: try String(contentsOfFile: scenePath, encoding: .utf8), robot: nil,
            embodiment: env.embodiment.name, mode: env.modeName, controlRate: env.controlRate,
            physicsTimeStep: env.scene.physics.timeStep, physicsStepsPerTick: env.physicsStepsPerTick,
            imageSize: 64, style: layout.style, cameras: env.cameraNames, teleop: "scripted")
        var named = manifest
        named.depthTokenizer = tokenizerName
        let recorder = try DemoRecorder(
            root: root, environment: env, layout: layout, version: .v3_0, manifest: named, resume: false,
            depthTokenizer: try GridDepthQuantizer.builtIn())
        let runner = EpisodeRunner(
            environment: env, policy: try RecordingSetup.scriptedTeleop(environment: env),
            settings: RunnerSettings(horizon: ticks, actionSteps: 8))
        runner.subscribers = [recorder]
        for k in 0..<episodes {
            _ = runner.run(seed: 40 + UInt64(k), task: [])
            try recorder.saveEpisode()
        }
        try recorder.finish()
        return (root, recorder)
    }

    @Test func scriptedRecordingReplaysWithZeroDivergence() throws {
        let (root, _) = try record(episodes: 2)
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "_molmoact")
        }
        let dataset = try LeRobotDataset(root: root)
        #expect(dataset.episodes.count == 2)
        // The default layout is the one current LeRobot trains on, for the Franka's MolmoAct mode too.
        #expect(dataset.schema.features.map(\.name) == ["observation.images.primary", "observation.images.wrist", "observation.state", "action"])
        for e in 0..<2 {
            let report = try Replayer.replay(root: root, episode: e, registry: Self.registry)
            #expect(report.steps == Self.ticks)
            #expect(report.robotDivergence.count == Self.ticks + 1)
            #expect(
                report.maxRobotDivergence == 0 && report.maxObjectDivergence == 0,
                "episode \(e): robot \(report.maxRobotDivergence), objects \(report.maxObjectDivergence), first step \(String(describing: report.firstDivergingStep))"
            )
            #expect(report.firstDivergingStep == nil)
        }
        // The two seeds give different scenes, so the check is not vacuous.
        let a = try EpisodeStates.load(root: root, episode: 0)
        let b = try EpisodeStates.load(root: root, episode: 1)
        #expect(a.objects[0] != b.objects[0])
        #expect(a.robot.last != a.robot.first, "the arm moved")
    }

    @Test func endEffectorRollIsContinuousAndTheV1ExportClosesAtPlusOne() throws {
        let (root, _) = try record(episodes: 2, ticks: 20)
        let companion = DemoRecorder.companionPath(root: root)
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: companion)
        }
        let dataset = try LeRobotDataset(root: root)
        let names = try #require(dataset.schema.features.first { $0.name == "observation.state" }?.names)
        let roll = try #require(names.firstIndex(of: "roll"))
        var rolls: [Double] = []
        for e in 0..<2 {
            let data = try dataset.episode(e)
            let values = (0..<data.length).map { data.value("observation.state", frame: $0)[roll] }
            // The gripper points down (roll near +-pi): the reported roll must not jump by 2 pi between frames.
            for k in 1..<values.count {
                #expect(abs(values[k] - values[k - 1]) < 0.5, "episode \(e) frame \(k): roll \(values[k - 1]) -> \(values[k])")
            }
            rolls += values
        }
        #expect(rolls.allSatisfy { abs(abs($0) - .pi) < 0.6 }, "the gripper points down")
        let stats = try #require(dataset.stats["observation.state"])
        #expect(stats.std[roll] < 0.3, "roll std \(stats.std[roll]) rad")

        // The MolmoAct v1 export: image / wrist_image, v2.1, gripper +1 = close where the recording has 1 = open.
        let mode = try #require(Self.registry.embodiment(named: "franka").controlMode("molmoact"))
        let target = companion + "/lerobot"
        try MolmoActV1Export.write(root: root, to: target, mode: mode)
        let export = try LeRobotDataset(root: target)
        try export.validate()
        #expect(export.version == .v2_1)
        #expect(Set(export.schema.features.map(\.name)) == ["image", "wrist_image", "observation.state", "action"])
        for e in 0..<2 {
            let ours = try dataset.episode(e)
            let theirs = try export.episode(e)
            #expect(theirs.values["observation.state"] == ours.values["observation.state"])
            for k in 0..<ours.length {
                let a = ours.value("action", frame: k)
                let b = theirs.value("action", frame: k)
                #expect(Array(b.prefix(6)) == Array(a.prefix(6)))
                #expect(b[6] == Double(Float(1 - a[6])), "frame \(k): recorded gripper \(a[6]), v1 \(b[6])")
            }
        }
        #expect(try String(contentsOfFile: companion + "/depth_tokenizer.txt", encoding: .utf8) == "builtin")
    }

    @Test func resumeRefusesAnotherDepthTokenizer() throws {
        let (root, _) = try record(episodes: 1, ticks: 6, tokenizerName: "builtin")
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "_molmoact")
        }
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml")
        let env = try RecordingSetup.environment(scene: scene, robot: nil, mode: nil, controlRate: nil, imageSize: 64, registry: Self.registry)
        let layout = try RecordingLayout(
            style: .molmoAct2, mode: env.controller.mode, cameras: env.cameraNames.map { (name: $0, width: 64, height: 64) },
            fps: Int(env.controlRate), robotType: env.embodiment.name)
        var manifest = try RecordingManifest.load(root: root)
        manifest.depthTokenizer = "molmoact-vqvae:depth-vqvae.safetensors"
        let error = #expect(throws: RecordingError.self) {
            try DemoRecorder(
                root: root, environment: env, layout: layout, version: nil, manifest: manifest, resume: true,
                depthTokenizer: try GridDepthQuantizer.builtIn())
        }
        #expect(error?.description.contains("depth tokenizer") == true, "\(String(describing: error))")
    }

    @Test func replayDetectsATamperedAction() throws {
        let (root, _) = try record(episodes: 1, ticks: 12)
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "_molmoact")
        }
        // Perturb one recorded state: replay must report the step where it first differs.
        var states = try EpisodeStates.load(root: root, episode: 0)
        states.robot[5][0] += 1e-12
        let path = RecordingManifest.statesPath(root: root, episode: 0)
        try JSONEncoder().encode(states).write(to: URL(fileURLWithPath: path))
        let report = try Replayer.replay(root: root, episode: 0, registry: Self.registry)
        #expect(report.firstDivergingStep == 5)
        #expect(report.maxRobotDivergence > 0)
    }

    @Test func traceLabelsLandOnTheGripperInTheRenderedImage() throws {
        // With the fingers closed their tips meet at the tool centre point, so its trace point must fall on the
        // rendered gripper: render the primary camera's segmentation at 256x256 (trace coordinates = pixels) along
        // a moving path and check each frame's point is within 2 px of a hand or finger pixel.
        let size = 256
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml")
        let env = try RecordingSetup.environment(scene: scene, robot: nil, mode: nil, controlRate: nil, imageSize: size, registry: Self.registry)
        env.rendersImages = false
        _ = try env.reset(seed: 3)
        let renderer = try CameraRenderer(scene: env.scene, bodies: env.world.bodies)
        let gripperIDs = Set(
            env.world.bodies.indices.filter { i in
                let n = env.world.bodies[i].name
                return n.hasSuffix("/hand") || n.contains("finger")
            }.map(Int32.init))
        #expect(gripperIDs.count >= 3)
        var checked = 0
        var points = Set<[Int]>()
        for t in 0..<24 {
            // Down, sideways and forward in turn (metres per tick), gripper closed (dataset value 0).
            let a = Double(t) * 0.5
            _ = try env.step(DemoRecorder.quantized([0.012 * cos(a), 0.015 * sin(a), t < 12 ? -0.01 : 0.01, 0, 0, 0, 0]))
            guard t >= 4 else { continue }  // the fingers need a few ticks to close
            let c = env.controller
            let point = try #require(TraceLabels.point((c.basePose * c.tcpPose()).position, camera: try env.primaryPinhole()))
            points.insert([point.x, point.y])
            let seg = try renderer.images(of: env.world.snapshot(), camera: env.primaryCamera, outputs: [.segmentation]).segmentation!
            // Trace coordinates 0 ... 255 to continuous pixels: px = x * (w - 1) / 255 (pixel centres at +0.5).
            let px = Double(point.x) * Double(size - 1) / 255
            let py = Double(point.y) * Double(size - 1) / 255
            var best = Double.infinity
            for y in 0..<size {
                for x in 0..<size where gripperIDs.contains(seg[x, y]) {
                    best = min(best, ((Double(x) + 0.5 - px) * (Double(x) + 0.5 - px) + (Double(y) + 0.5 - py) * (Double(y) + 0.5 - py)).squareRoot())
                }
            }
            #expect(best <= 2, "tick \(t): TCP point \(point) is \(best) px from the nearest gripper pixel")
            checked += 1
        }
        #expect(checked == 20)
        #expect(points.count >= 10, "the gripper moved across the image")
    }

    @Test func companionTableHasTheMolmoActColumns() throws {
        let (root, _) = try record(episodes: 1, ticks: 16)
        let companion = DemoRecorder.companionPath(root: root)
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: companion)
        }
        let table = try ParquetFile(path: MolmoActCompanion.dataPath(companion: companion))
        let names = table.schema.map { $0.name }
        for column in ["depth", "trace", "processed_action", "language_instruction", "episode_index", "frame_index"] {
            #expect(names.contains(column))
        }
        #expect(table.rowCount == 16)
        let depth = try table.strings("depth")
        #expect(try DepthTokens.parse(depth[0]).tokens.codes.count == 100)
        let traces = try table.strings("trace")
        #expect(traces[0].hasPrefix("[[") && traces[0].hasSuffix("]]"))
        // The last frame's trace is just its own point; earlier traces end at that same point.
        let last = traces[15]
        #expect(!last.contains("], ["))
        #expect(traces[0].hasSuffix(String(last.dropFirst())))
        let processed = try table.strings("processed_action")
        let json = try JSONSerialization.jsonObject(with: Data(processed[0].utf8)) as! [String: Any]
        #expect((json["normalized_action"] as! [Double]).count == 7)
        let chunk = json["chunked_action"] as! String
        #expect(chunk.components(separatedBy: "], [").count == 8)
        let stats =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: MolmoActCompanion.statisticsPath(companion: companion))))
            as! [String: Any]
        let entry = stats[(root as NSString).lastPathComponent] as! [String: Any]
        #expect(entry["num_transitions"] as? Int == 16)
        #expect((entry["action"] as! [String: Any])["mask"] as? [Bool] == [true, true, true, true, true, true, false])
        // Depth PNGs are 16-bit millimetres.
        let png = try PNG.decode(Data(contentsOf: URL(fileURLWithPath: companion + "/depth/primary/episode-000000/frame-000000.png")))
        #expect(png.bitDepth == 16 && png.channels == 1 && png.width == 64)
        let centre = Int(png.samples[32 * 64 + 32])
        #expect(centre > 300 && centre < 3000, "centre depth \(centre) mm")
    }

    @Test(arguments: ["molmoact", "joint_position"])
    func teleopCommandsMoveTheTCPThroughTheModesIK(mode: String) throws {
        // "W held" (translation +x) for 1 s then "R held" (+z): the TCP follows in the base frame, in an EE-delta mode
        // and in a joint mode (IK inside the mapper); Space closes the gripper.
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml")
        let env = try RecordingSetup.environment(scene: scene, robot: nil, mode: mode, controlRate: 10, imageSize: nil, registry: Self.registry)
        env.rendersImages = false
        _ = try env.reset(seed: 1)
        let mapper = TeleopMapper(controller: env.controller)
        let start = env.controller.tcpPose().position
        for k in 0..<20 {
            let action = DemoRecorder.quantized(
                try mapper.action(
                    translation: k < 10 ? SIMD3(1, 0, 0) : SIMD3(0, 0, 1), rotation: .zero,
                    toggleGripper: k == 0, gripper: nil, dragTarget: nil, dt: 0.1))
            _ = try env.step(action)
        }
        for _ in 0..<10 {
            _ = try env.step(
                DemoRecorder.quantized(
                    try mapper.action(translation: .zero, rotation: .zero, toggleGripper: false, gripper: nil, dragTarget: nil, dt: 0.1)))
        }
        let moved = env.controller.tcpPose().position - start
        #expect(abs(moved.x - 0.15) < 0.01 && abs(moved.z - 0.15) < 0.01 && abs(moved.y) < 0.01, "moved \(moved)")
        #expect(env.controller.gripperAperture() < 0.2)
    }

    @Test func actionEncoderFollowsTheReferenceBinning() {
        #expect(MolmoActActionEncoder.bin(-1) == 1)
        #expect(MolmoActActionEncoder.bin(1) == 256)
        #expect(MolmoActActionEncoder.tokenID(1) == 151_387)
        #expect(MolmoActActionEncoder.tokenID(-1) == 151_642)
        #expect(MolmoActActionEncoder.bin(0) == 128)
        #expect(TraceLabels.subsample(Array(0..<11), to: 5) == [0, 2, 5, 7, 10])
        #expect(TraceLabels.subsample(Array(0..<3), to: 5) == [0, 1, 2])
        let s = VectorStatistics([[0], [1], [2], [3], [4]], dimension: 1)
        #expect(abs(s.q01[0] - 0.04) < 1e-12 && abs(s.q99[0] - 3.96) < 1e-12)
    }
}

extension ParquetFile {
    func strings(_ name: String) throws -> [String] {
        guard case .string(let v) = try readColumn(name).values else { throw RecordingError("\(name) is not a string column") }
        return v
    }
}
