import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopImage
import BenchtopPolicy
import BenchtopReasoning
import Foundation

/// Records episodes of a `TabletopEnvironment` as a LeRobot dataset plus MolmoAct action-reasoning
/// annotations, and keeps what replay needs.
///
/// Output, for a dataset root `R`:
/// - `R/` — the LeRobot dataset (v3.0 or v2.1) in the layout's style;
/// - `R/meta/benchtop.json`, `R/meta/benchtop/episode-N.json` — scene, seed, robot, mode, rates and the exact
///   world states of every step, for `benchtop replay`;
/// - `R_molmoact/` — the companion: 16-bit depth PNGs of the primary camera (millimetres), per-episode
///   annotation files, `depth_tokenizer.json` (which tokenizer made the depth codes), and at `finish()` the
///   MolmoAct fine-tuning table `data/train-00000-of-00001.parquet` (`depth`, `trace`, `processed_action`,
///   `language_instruction`, ...) with `dataset_statistics.json` (rebuildable: `benchtop dataset molmoact R`).
///
/// Commit order of an episode: its depth PNGs, annotation and exact states first (files LeRobot ignores), then
/// the dataset commit (`LeRobotDatasetWriter`), then `meta/benchtop.json`. The dataset decides which episodes
/// exist; resuming rebuilds the manifest's episode list from the per-episode states and deletes per-episode
/// files of episodes the dataset never committed, so seeds, replay and the companion stay aligned.
///
/// It is an `EpisodeSubscriber` (the runner drives it); interactive teleoperation calls the same methods.
/// Actions must be float32 values (see `quantized(_:)`), so that the dataset's float32 column is exact.
public final class DemoRecorder: EpisodeSubscriber {
    public let root: String
    public let companionRoot: String
    public let environment: TabletopEnvironment
    public let layout: RecordingLayout
    public private(set) var manifest: RecordingManifest
    public let writer: LeRobotDatasetWriter
    private let tokenizer: (any DepthTokenizer)?
    private let objectIDs: [Int]

    // The open episode.
    private var seed: UInt64 = 0
    private var robotStates: [[Double]] = []
    private var objectStates: [[Double]] = []
    private var tcp: [SIMD3<Double>] = []
    private var cameras: [PinholeCamera] = []
    private var actions: [[Double]] = []
    private var states: [[Double]] = []
    private var depthCodes: [[Int]] = []
    private var lastSuccess = false
    private var failure: Error?

    /// The float32 value of each action entry, as a Double: apply these so that the dataset holds them exactly.
    public static func quantized(_ action: [Double]) -> [Double] { action.map { Double(Float($0)) } }

    public static func companionPath(root: String) -> String {
        (root.hasSuffix("/") ? String(root.dropLast()) : root) + "_molmoact"
    }

    /// Creates a recording at `root`, or resumes one (`resume`: the dataset and its manifest must match this run).
    /// - Parameters:
    ///   - version: the LeRobot layout; nil = v3.0 for a new recording, the folder's own when resuming.
    ///   - depthTokenizer: makes the companion's depth codes; `manifest.depthTokenizer` names it.
    public init(
        root: String, environment: TabletopEnvironment, layout: RecordingLayout, version: DatasetVersion?,
        manifest: RecordingManifest, resume: Bool, depthTokenizer: (any DepthTokenizer)?
    ) throws {
        self.root = root
        companionRoot = Self.companionPath(root: root)
        self.environment = environment
        self.layout = layout
        tokenizer = depthTokenizer
        objectIDs = environment.world.bodies.indices.filter { environment.world.bodies[$0].kind == .object }
        let fm = FileManager.default
        if resume {
            guard fm.fileExists(atPath: RecordingManifest.path(root: root)) else {
                throw RecordingError(
                    "\(RecordingManifest.path(root: root)): missing; --resume continues a folder written by `benchtop record` (choose a new --out to start one)"
                )
            }
            let existing = try RecordingManifest.load(root: root)
            for (field, a, b) in [
                ("embodiment", existing.embodiment, manifest.embodiment), ("mode", existing.mode, manifest.mode),
                ("style", existing.style.rawValue, manifest.style.rawValue),
                ("scene", existing.sceneName, manifest.sceneName),
                ("control rate", "\(existing.controlRate)", "\(manifest.controlRate)"),
                ("depth tokenizer", existing.depthTokenizer ?? "builtin", manifest.depthTokenizer ?? "builtin"),
            ] where a != b {
                throw RecordingError("\(RecordingManifest.path(root: root)): cannot resume: \(field) is '\(a)', this run asks for '\(b)'")
            }
            do {
                writer = try LeRobotDatasetWriter(
                    resuming: root, expecting: layout.schema,
                    version: version ?? existing.codebaseVersion.flatMap(DatasetVersion.init(rawValue:)))
            } catch let error as DatasetError {
                throw RecordingError("cannot resume \(root): \(error)")
            }
            // The dataset decides which episodes exist: the manifest's list is rebuilt from the per-episode states
            // (written before each dataset commit); files of episodes never committed are deleted.
            var m = existing
            m.episodes = []
            for e in 0..<writer.episodeCount {
                if let known = existing.episodes.first(where: { $0.index == e }) {
                    m.episodes.append(known)
                    continue
                }
                let states = try EpisodeStates.load(root: root, episode: e)
                guard let length = states.length, let success = states.success else {
                    throw RecordingError(
                        "\(RecordingManifest.statesPath(root: root, episode: e)): cannot resume: episode \(e) is committed but its states file has no length/success"
                    )
                }
                m.episodes.append(.init(index: e, seed: states.seed, length: length, success: success))
            }
            self.manifest = m
            Self.removeEpisodeFiles(root: root, companion: companionRoot, from: writer.episodeCount)
        } else {
            if fm.fileExists(atPath: root), !((try? fm.contentsOfDirectory(atPath: root))?.isEmpty ?? true) {
                throw RecordingError("\(root) exists and is not empty: add --resume to append to that recording, or choose another --out")
            }
            writer = try LeRobotDatasetWriter(creating: root, schema: layout.schema, version: version ?? .v3_0)
            self.manifest = manifest
            self.manifest.codebaseVersion = writer.version.rawValue
            try? fm.removeItem(atPath: companionRoot)
        }
        try self.manifest.write(root: root)
        try atomicWrite(Data((manifest.depthTokenizer ?? "builtin").utf8), to: companionRoot + "/depth_tokenizer.txt")
    }

    /// Deletes the per-episode files (states, annotations, depth PNGs) of episodes `from` and later.
    static func removeEpisodeFiles(root: String, companion: String, from first: Int) {
        let fm = FileManager.default
        let groups: [(String, String)] = [(root + "/meta/benchtop", "episode-"), (companion + "/annotations", "episode-")]
        for (dir, prefix) in groups {
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(prefix) {
                if let n = Int(name.dropFirst(prefix.count).prefix(6)), n >= first { try? fm.removeItem(atPath: dir + "/" + name) }
            }
        }
        for camera in (try? fm.contentsOfDirectory(atPath: companion + "/depth")) ?? [] {
            let dir = companion + "/depth/" + camera
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix("episode-") {
                if let n = Int(name.dropFirst(8).prefix(6)), n >= first { try? fm.removeItem(atPath: dir + "/" + name) }
            }
        }
    }

    /// Seeds already used by saved episodes.
    public var usedSeeds: [UInt64] { manifest.episodes.map(\.seed) }
    public var episodeCount: Int { writer.episodeCount }
    /// Frames in the open episode.
    public var openFrames: Int { actions.count }
    /// Whether the open episode's task succeeded (at its last tick).
    public var succeeded: Bool { lastSuccess }

    // MARK: - EpisodeSubscriber

    public func episodeDidReset(seed: UInt64, observation: Observation) {
        if writer.hasOpenEpisode { discardEpisode() }
        self.seed = seed
        robotStates = []
        objectStates = []
        tcp = []
        cameras = []
        actions = []
        states = []
        depthCodes = []
        lastSuccess = false
        failure = nil
        captureState()
    }

    public func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
        guard failure == nil else { return }
        do {
            try record(observation: observation, action: action)
            lastSuccess = info.success
            captureState()
        } catch { failure = error }
    }

    public func episodeDidEnd(_ result: EpisodeResult) {}

    // MARK: - Recording

    private func captureState() {
        let world = environment.world
        let joints = world.jointState(articulation: environment.controller.articulation)
        robotStates.append(joints.jointPositions + joints.jointVelocities)
        let snapshot = world.snapshot()
        objectStates.append(
            objectIDs.flatMap { id -> [Double] in
                let p = snapshot.bodies[id].pose
                return [p.position.x, p.position.y, p.position.z, p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w]
            })
        let c = environment.controller
        tcp.append((c.basePose * c.tcpPose()).position)
        do { cameras.append(try environment.primaryPinhole()) } catch { failure = error }
    }

    private func record(observation: Observation, action: [Double]) throws {
        guard action == Self.quantized(action) else {
            throw RecordingError(
                "frame \(actions.count): action \(action) is not float32-exact; apply DemoRecorder.quantized(action) so replay is exact")
        }
        var frame = DatasetFrame(task: observation.instruction, values: ["observation.state": observation.state, "action": action])
        for (camera, feature) in layout.cameraFeatures {
            guard let image = observation.images.first(where: { $0.name == camera }) else {
                throw RecordingError("frame \(actions.count): the observation has no image from camera '\(camera)'")
            }
            frame.images[feature] = image.rgb
        }
        let episode = writer.episodeCount
        let frameIndex = actions.count
        guard let depth = observation.images.first(where: { $0.name == environment.primaryCamera })?.depth else {
            throw RecordingError("frame \(frameIndex): the observation has no depth image of the primary camera '\(environment.primaryCamera)'")
        }
        try writer.add(frame)
        // 16-bit PNG in millimetres (0 = no depth), the convention of depth datasets such as TUM and LeRobot's depth PNGs.
        let mm = depth.values.map { v -> UInt16 in v.isFinite && v > 0 ? UInt16(min((Double(v) * 1000).rounded(), 65535)) : 0 }
        let dir = depthDirectory(episode: episode)
        if frameIndex == 0 { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let path = dir + String(format: "/frame-%06d.png", frameIndex)
        guard FileManager.default.createFile(atPath: path, contents: PNG.encodeGray16(width: depth.width, height: depth.height, samples: mm)) else {
            throw RecordingError("\(path): cannot write")
        }
        depthCodes.append(try tokenizer.map { try $0.encode(depth).codes } ?? [])
        actions.append(action)
        states.append(observation.state)
    }

    private func depthDirectory(episode: Int) -> String {
        companionRoot + "/depth/\(environment.primaryCamera)/" + String(format: "episode-%06d", episode)
    }

    /// Drops the open episode (re-record).
    public func discardEpisode() {
        writer.discardEpisode()
        try? FileManager.default.removeItem(atPath: depthDirectory(episode: writer.episodeCount))
        actions = []
    }

    /// Commits the open episode: annotations and exact states, then the dataset, then the manifest. Returns its index.
    @discardableResult
    public func saveEpisode() throws -> Int {
        if let failure {
            discardEpisode()
            throw failure
        }
        guard !actions.isEmpty else { throw RecordingError("save without frames: the episode recorded no tick") }
        let index = writer.episodeCount
        let n = actions.count
        let traces = TraceLabels.traces(tcp: Array(tcp.prefix(n)), cameras: Array(cameras.prefix(n)))
        let annotation = EpisodeAnnotation(
            episodeIndex: index, task: environment.instruction,
            taskIndex: writer.tasks.firstIndex(of: environment.instruction) ?? 0,
            actions: actions, states: states, depthCodes: depthCodes,
            traces: traces.map { $0.map { [$0.x, $0.y] } },
            tcpPixels: zip(tcp.prefix(n), cameras).map { p, c in TraceLabels.point(p, camera: c).map { [$0.x, $0.y] } })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same bytes on every run (key order is otherwise per process)
        try atomicWrite(try encoder.encode(annotation), to: EpisodeAnnotation.path(companion: companionRoot, episode: index))
        let objectNames = objectIDs.map { environment.world.bodies[$0].name }
        var exact = EpisodeStates(seed: seed, objectNames: objectNames, robot: robotStates, objects: objectStates)
        exact.length = n
        exact.success = lastSuccess
        try atomicWrite(try encoder.encode(exact), to: RecordingManifest.statesPath(root: root, episode: index))
        CrashPoint.reached("annotations", episode: index)
        let committed = try writer.saveEpisode()
        guard committed == index else { throw RecordingError("the dataset committed episode \(committed), expected \(index)") }
        manifest.episodes.append(.init(index: index, seed: seed, length: n, success: lastSuccess))
        try manifest.write(root: root)
        CrashPoint.reached("manifest", episode: index)
        actions = []
        return index
    }

    /// Closes the dataset and writes the MolmoAct companion table and statistics over every saved episode.
    public func finish() throws {
        if writer.hasOpenEpisode { discardEpisode() }
        writer.close()
        try MolmoActCompanion.write(
            root: root, episodes: manifest.episodes.map(\.index),
            mode: environment.controller.mode, primaryCamera: environment.primaryCamera)
    }
}

/// One episode's annotations in the companion (`annotations/episode-N.json`).
struct EpisodeAnnotation: Codable {
    var episodeIndex: Int
    var task: String
    var taskIndex: Int
    /// Actions as applied, in the control mode's dataset units.
    var actions: [[Double]]
    var states: [[Double]]
    var depthCodes: [[Int]]
    /// Per frame, up to 5 [x, y] points in 0 ... 255.
    var traces: [[[Int]]]
    /// Per frame, the TCP's own point (nil when not visible).
    var tcpPixels: [[Int]?]

    static func path(companion: String, episode: Int) -> String {
        companion + String(format: "/annotations/episode-%06d.json", episode)
    }
}
