import ArgumentParser
import BenchtopBenchKit
import BenchtopDataset
import BenchtopEval
import BenchtopReasoning
import BenchtopRecording
import Foundation

/// `benchtop bench record`: frames per second written to a LeRobot dataset (parquet + two 256x256 H.264
/// videos, Franka-shaped state/action, synthetic frames), against a direct pyarrow + PyAV writer of the
/// same frames (bench/record_peer.py), measured in the same run; and resident memory across episodes.
struct RecordBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Dataset recording frames/s: Benchtop vs a direct pyarrow + PyAV writer; memory over many episodes.")

    @Option(help: "Episodes per run.") var episodes = 5
    @Option(help: "Frames per episode.") var frames = 150
    @Option(help: "Runs per writer; the median is reported.") var runs = 3
    @Option(help: "Episodes of the memory run (0 skips it).") var memoryEpisodes = 100
    @Option(help: "Frames per episode in the memory run.") var memoryFrames = 30
    @Flag(help: "Skip the Python peer.") var noPeers = false
    @Option(
        help:
            "Python of a venv with lerobot (>= 0.4; it brings torch); runs LeRobot's own recording path as a peer, labelled with the version that runs."
    )
    var lerobotPython: String?
    @Option(help: "Record this scene for real (Franka, scripted teleop, two 256x256 cameras, annotations) instead of synthetic frames.")
    var scene: String?

    func run() throws {
        // A scratch folder of this run only, so concurrent runs do not write into each other's datasets.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("benchtop-record-bench-\(getpid())-\(UUID().uuidString.prefix(8))")
            .path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        if let scene { return try runReal(scene: scene, tmp: tmp) }
        let synthetic = SyntheticFrames()
        let lerobotLabel = try lerobotPython.map { python -> String in
            let probe = try runProcess([python, "-c", "import lerobot; print(lerobot.__version__)"])
            let version = probe.output.split(separator: "\n").last.map(String.init) ?? ""
            return probe.status == 0 && !version.isEmpty ? "LeRobot \(version)" : "LeRobot (version unknown: \(python) could not import lerobot)"
        }
        var ours: [Double] = []
        var peer: [Double] = []
        // Frames per second of CPU time (user + system, every thread): what a writer costs, whatever the load.
        var oursPerCPU: [Double] = []
        var peerPerCPU: [Double] = []
        var lerobot: [Double] = []
        let dir = noPeers ? nil : try benchDirectory()
        for r in 0..<runs {
            let root = "\(tmp)/benchtop-\(r)"
            try? FileManager.default.removeItem(atPath: root)
            let start = Date()
            let cpuStart = cpuSeconds(RUSAGE_SELF)
            let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema)
            for e in 0..<episodes {
                for k in 0..<frames { try writer.add(synthetic.frame(episode: e, frame: k)) }
                try writer.saveEpisode()
            }
            ours.append(Double(episodes * frames) / Date().timeIntervalSince(start))
            oursPerCPU.append(Double(episodes * frames) / (cpuSeconds(RUSAGE_SELF) - cpuStart))
            try? FileManager.default.removeItem(atPath: root)
            if let dir {
                let out = "\(tmp)/peer-\(r)"
                try? FileManager.default.removeItem(atPath: out)
                let result = try runProcess(["python3", "\(dir)/record_peer.py", out, "\(episodes)", "\(frames)", "\(synthetic.schema.fps)"])
                let lines = result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                // The peer's own rates over the same window as Benchtop's (interpreter start and imports excluded).
                if result.status == 0, let v = lines.last.flatMap(Double.init),
                    let cpu = lines.dropLast().last.flatMap({ $0.hasPrefix("cpu ") ? Double($0.dropFirst(4)) : nil })
                {
                    peer.append(v)
                    peerPerCPU.append(cpu)
                }
                try? FileManager.default.removeItem(atPath: out)
                if let python = lerobotPython {
                    if let v = try peerRate(
                        [python, "\(dir)/record_lerobot.py", out, "\(episodes)", "\(frames)", "\(synthetic.schema.fps)"],
                        environment: ["HF_HUB_OFFLINE": "1"])
                    {
                        lerobot.append(v)
                    }
                    try? FileManager.default.removeItem(atPath: out)
                }
            }
        }
        print(
            "\(episodes) episodes x \(frames) frames, 2 cameras 256x256 H.264 (libx264 veryfast, crf 23, g 2) + parquet, median of \(runs) interleaved runs\n"
        )
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        print("\(cpuName()), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load)\n")
        print("| writer | frames/s | Benchtop / this | frames per CPU second | Benchtop / this |")
        print("|---|---:|---:|---:|---:|")
        print(String(format: "| Benchtop LeRobotDatasetWriter (v3.0) | %.0f | 1.00x | %.0f | 1.00x |", median(ours), median(oursPerCPU)))
        if !peer.isEmpty {
            print(
                String(
                    format: "| Python: pyarrow + PyAV, direct (bench/record_peer.py) | %.0f | %.2fx | %.0f | %.2fx |", median(peer),
                    median(ours) / median(peer), median(peerPerCPU), median(oursPerCPU) / median(peerPerCPU)))
        } else if !noPeers {
            print("| Python: pyarrow + PyAV (bench/record_peer.py) | unavailable (pip install pyarrow av numpy) | |")
        }
        if !lerobot.isEmpty {
            print(
                String(
                    format: "| %@: LeRobotDataset add_frame / save_episode (bench/record_lerobot.py) | %.1f | %.2fx |",
                    lerobotLabel ?? "LeRobot", median(lerobot), median(ours) / median(lerobot)))
        } else {
            print("| LeRobot recording path | not measured (pass --lerobot-python PATH of a venv with lerobot) | |")
        }

        if memoryEpisodes > 0 {
            let root = "\(tmp)/memory"
            try? FileManager.default.removeItem(atPath: root)
            let writer = try LeRobotDatasetWriter(creating: root, schema: synthetic.schema)
            var rss: [Int] = []
            for e in 0..<memoryEpisodes {
                for k in 0..<memoryFrames { try writer.add(synthetic.frame(episode: e, frame: k)) }
                try writer.saveEpisode()
                rss.append(residentKiB())
            }
            try? FileManager.default.removeItem(atPath: root)
            let at = { (i: Int) in Double(rss[min(i, rss.count - 1)]) / 1024 }
            print(
                String(
                    format: "\nresident memory over %d episodes of %d frames: after episode 1 %.1f MiB, 10 %.1f MiB, 50 %.1f MiB, %d %.1f MiB",
                    memoryEpisodes, memoryFrames, at(0), at(9), at(49), memoryEpisodes, at(memoryEpisodes - 1)))
        }
    }

    /// User + system CPU seconds of this process (RUSAGE_SELF) or of its waited-for children (RUSAGE_CHILDREN).
    private func cpuSeconds(_ who: __rusage_who) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        let t = { (v: timeval) in Double(v.tv_sec) + Double(v.tv_usec) * 1e-6 }
        return t(usage.ru_utime) + t(usage.ru_stime)
    }

    private func residentKiB() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    /// The whole recording loop on a real scene: physics, two 256x256 cameras and depth rendered (EGL), depth PNG +
    /// tokens + trace annotations, LeRobot writing with video encoding on the writer's worker threads (overlapping
    /// the next ticks' simulation and rendering). Fixed-length episodes (failures kept) so runs compare.
    private func runReal(scene: String, tmp: String) throws {
        let base = try loadScene(scene)
        func makeRecorder(_ root: String) throws -> (TabletopEnvironment, DemoRecorder, EpisodeRunner) {
            try? FileManager.default.removeItem(atPath: root)
            let env = try RecordingSetup.environment(scene: base, robot: "franka", mode: nil, controlRate: nil, imageSize: 256)
            let cameras = env.cameraNames.map { n in (name: n, width: 256, height: 256) }
            let layout = try RecordingLayout(
                style: .molmoAct2, mode: env.controlMode, cameras: cameras, fps: Int(env.controlRate),
                robotType: "franka")
            let manifest = RecordingManifest(
                sceneName: env.scene.name, scenePath: scene, sceneYAML: "", robot: "franka",
                embodiment: "franka", mode: env.modeName, controlRate: env.controlRate,
                physicsTimeStep: env.scene.physics.timeStep, physicsStepsPerTick: env.physicsStepsPerTick,
                imageSize: 256, style: .molmoAct2, cameras: env.cameraNames, teleop: "scripted")
            let recorder = try DemoRecorder(
                root: root, environment: env, layout: layout, version: .v3_0, manifest: manifest, resume: false,
                depthTokenizer: try GridDepthQuantizer.builtIn())
            let runner = EpisodeRunner(
                environment: env, policy: try RecordingSetup.scriptedTeleop(environment: env),
                settings: RunnerSettings(horizon: frames, actionSteps: 8, stopOnSuccess: false))
            runner.subscribers = [recorder]
            return (env, recorder, runner)
        }
        var ours: [Double] = []
        var simOnly: [Double] = []
        var peer: [Double] = []
        let dir = noPeers ? nil : try benchDirectory()
        for r in 0..<runs {
            let root = "\(tmp)/real-\(r)"
            let (env, recorder, runner) = try makeRecorder(root)
            let start = Date()
            for e in 0..<episodes {
                _ = runner.run(seed: UInt64(e), task: [])
                try recorder.saveEpisode()
            }
            try recorder.finish()
            ours.append(Double(episodes * frames) / Date().timeIntervalSince(start))
            // The same loop without the recorder: simulation + rendering only.
            runner.subscribers = []
            let s0 = Date()
            for e in 0..<episodes { _ = runner.run(seed: UInt64(e), task: []) }
            simOnly.append(Double(episodes * frames) / Date().timeIntervalSince(s0))
            _ = env
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "_molmoact")
            if let dir {
                let out = "\(tmp)/peer-\(r)"
                try? FileManager.default.removeItem(atPath: out)
                if let v = try peerRate(["python3", "\(dir)/record_peer.py", out, "\(episodes)", "\(frames)", "10"]) { peer.append(v) }
                try? FileManager.default.removeItem(atPath: out)
            }
        }
        print(
            "\(scene), Franka, scripted teleop: \(episodes) episodes x \(frames) frames, cameras image + wrist_image 256x256 H.264 (libx264 veryfast, crf 23, g 2) + parquet + depth PNG/tokens/traces; median of \(runs) runs\n"
        )
        print("| loop | frames/s |")
        print("|---|---:|")
        print(String(format: "| simulate + render (2 RGB + depth), no recording | %.1f |", median(simOnly)))
        print(String(format: "| simulate + render + record (Benchtop, all annotations) | %.1f |", median(ours)))
        if !peer.isEmpty {
            print(String(format: "| Python pyarrow + PyAV writer alone, same-size frames (bench/record_peer.py) | %.1f |", median(peer)))
        }
        if memoryEpisodes > 0 {
            let root = "\(tmp)/real-memory"
            let (_, recorder, runner) = try makeRecorder(root)
            runner.settings.horizon = memoryFrames
            var rss: [Int] = []
            for e in 0..<memoryEpisodes {
                _ = runner.run(seed: UInt64(e), task: [])
                try recorder.saveEpisode()
                rss.append(residentKiB())
            }
            try recorder.finish()
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: root + "_molmoact")
            let at = { (i: Int) in Double(rss[min(i, rss.count - 1)]) / 1024 }
            print(
                String(
                    format:
                        "\nresident memory over %d recorded episodes of %d frames: after episode 1 %.1f MiB, 10 %.1f MiB, 50 %.1f MiB, %d %.1f MiB",
                    memoryEpisodes, memoryFrames, at(0), at(9), at(49), memoryEpisodes, at(memoryEpisodes - 1)))
        }
    }
}
