import BenchtopCore
import Foundation

/// What replay needs to rebuild a recording's episodes exactly: `meta/benchtop.json` in the dataset root.
/// LeRobot loaders ignore it.
public struct RecordingManifest: Codable, Sendable {
    public var format = 1
    public var sceneName: String
    /// The scene file as given (a path or a bare scene name).
    public var scenePath: String
    /// The scene file's text at recording time (replay parses this, so later edits of the file do not matter).
    public var sceneYAML: String
    /// The `--robot` override, or nil for the scene's robot.
    public var robot: String?
    public var embodiment: String
    public var mode: String
    public var controlRate: Double
    public var physicsTimeStep: Double
    public var physicsStepsPerTick: Int
    /// Square size all observation cameras were rendered at, or nil for the scene's sizes.
    public var imageSize: Int?
    public var style: RecordingStyle
    public var cameras: [String]
    public var teleop: String
    /// The tokenizer of the companion's depth codes: "builtin" (Benchtop's grid quantizer) or
    /// "molmoact-vqvae:FILE" (MolmoAct's VQ-VAE with those converted weights). Absent in older recordings: builtin.
    public var depthTokenizer: String?
    /// The LeRobot layout ("v3.0" or "v2.1"), so a resume before the first committed episode keeps it.
    public var codebaseVersion: String?
    /// How actions are kept exact: they are rounded to float32 before being applied, so the float32 `action`
    /// column holds exactly what the controller received.
    public var actionStorage = "float32: actions are rounded to float32 before they are applied"
    public var episodes: [RecordedEpisode] = []

    public init(
        sceneName: String, scenePath: String, sceneYAML: String, robot: String?, embodiment: String, mode: String,
        controlRate: Double, physicsTimeStep: Double, physicsStepsPerTick: Int, imageSize: Int?, style: RecordingStyle,
        cameras: [String], teleop: String
    ) {
        self.sceneName = sceneName
        self.scenePath = scenePath
        self.sceneYAML = sceneYAML
        self.robot = robot
        self.embodiment = embodiment
        self.mode = mode
        self.controlRate = controlRate
        self.physicsTimeStep = physicsTimeStep
        self.physicsStepsPerTick = physicsStepsPerTick
        self.imageSize = imageSize
        self.style = style
        self.cameras = cameras
        self.teleop = teleop
    }

    public struct RecordedEpisode: Codable, Sendable {
        public var index: Int
        public var seed: UInt64
        public var length: Int
        public var success: Bool
    }

    public static func path(root: String) -> String { root + "/meta/benchtop.json" }
    public static func statesPath(root: String, episode: Int) -> String {
        root + String(format: "/meta/benchtop/episode-%06d.json", episode)
    }

    /// Reads `meta/benchtop.json` under `root` (the one path rule: not through a link leading outside the dataset).
    public static func load(root: String, allowsOutsideRoot: Bool = false) throws -> RecordingManifest {
        let path = path(root: root)
        guard FileManager.default.fileExists(atPath: path) else {
            throw RecordingError("\(path): missing; replay needs a dataset recorded by `benchtop record` (or give --robot to replay actions only)")
        }
        let data = try readInside(root: root, "meta/benchtop.json", allowsOutsideRoot: allowsOutsideRoot)
        do { return try JSONDecoder().decode(RecordingManifest.self, from: data) } catch {
            throw RecordingError("\(path): \(error)")
        }
    }

    func write(root: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try atomicWrite(try encoder.encode(self), to: Self.path(root: root))
    }
}

/// Exact world states of one recorded episode (step 0 = after reset, step k = after action k - 1), for
/// divergence checks: `meta/benchtop/episode-NNNNNN.json`. JSON keeps doubles exact (shortest round trip).
public struct EpisodeStates: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var objectNames: [String]
    /// Joint positions then joint velocities of the robot, per step.
    public var robot: [[Double]]
    /// Per step, position (3) and quaternion x, y, z, w (4) of each object in `objectNames` order.
    public var objects: [[Double]]
    /// Ticks and task success of the episode (what the manifest lists; resume rebuilds the list from these).
    public var length: Int?
    public var success: Bool?

    public init(seed: UInt64, objectNames: [String], robot: [[Double]], objects: [[Double]]) {
        self.seed = seed
        self.objectNames = objectNames
        self.robot = robot
        self.objects = objects
    }

    public static func load(root: String, episode: Int, allowsOutsideRoot: Bool = false) throws -> EpisodeStates {
        let path = RecordingManifest.statesPath(root: root, episode: episode)
        guard FileManager.default.fileExists(atPath: path) else { throw RecordingError("\(path): missing") }
        let data = try readInside(root: root, String(path.dropFirst(root.count + 1)), allowsOutsideRoot: allowsOutsideRoot)
        do { return try JSONDecoder().decode(EpisodeStates.self, from: data) } catch { throw RecordingError("\(path): \(error)") }
    }
}

/// Reads `relative` under a recording's `root` by the one path rule (`FileRoot`), at most 1 GiB, a regular file.
func readInside(root: String, _ relative: String, allowsOutsideRoot: Bool) throws -> Data {
    do {
        return try FileRoot(directory: root, allowsOutside: allowsOutsideRoot).read(relative, maxBytes: 1 << 30)
    } catch let e as FileRootError {
        throw RecordingError("\(root)/\(relative): \(e.message)")
    }
}

func atomicWrite(_ data: Data, to path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tmp = path + ".tmp"
    guard FileManager.default.createFile(atPath: tmp, contents: data) else { throw RecordingError("\(tmp): cannot write") }
    if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    try FileManager.default.moveItem(atPath: tmp, toPath: path)
}
