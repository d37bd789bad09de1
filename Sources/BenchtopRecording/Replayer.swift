import BenchtopBuilder
import BenchtopCore
import BenchtopDataset
import BenchtopEval
import BenchtopPolicy
import BenchtopRobot
import BenchtopScene
import EmbodimentKit
import Foundation

/// Builds recording environments and the scripted teleoperator through the evaluation builder, so recording,
/// replay and evaluation make environments and policies the same way.
public enum RecordingSetup {
    /// The scene with the robot's mounted cameras, every observation camera optionally resized to a square
    /// `imageSize`.
    public static func environment(
        scene base: Scene, robot: String?, mode: String?, controlRate: Double?, imageSize: Int?,
        registry: EmbodimentRegistry = .shared
    ) throws -> TabletopEnvironment {
        var builder = EvaluationBuilder(scene: base, robot: robot, registry: registry)
        builder.mode = mode
        builder.controlRate = controlRate
        builder.imageSize = imageSize
        return try builder.makeEnvironment()
    }

    /// The built-in scripted teleoperator: the reference planner with small seeded translation noise, its actions
    /// rounded to float32 (so the dataset stores exactly what was applied).
    public static func scriptedTeleop(environment: TabletopEnvironment, noise: Double = 0.001) throws -> any Policy {
        try PolicyFactory.make(.builtin, environment: environment, options: PolicyOptions(actionSteps: 8, demonstrationNoise: noise))
    }
}

/// Per-step divergence of a replay from the recorded states.
public struct ReplayReport: Sendable {
    public var episode: Int
    public var seed: UInt64
    /// Ticks replayed.
    public var steps: Int
    /// Per state (0 = after reset, k = after action k - 1): max |difference| of the robot's joint positions and
    /// velocities (rad, rad/s, m) and of the objects' poses (m and quaternion components).
    public var robotDivergence: [Double]
    public var objectDivergence: [Double]
    public var maxRobotDivergence: Double { robotDivergence.max() ?? 0 }
    public var maxObjectDivergence: Double { objectDivergence.max() ?? 0 }
    /// The first state whose robot or object values differ at all, nil when the replay is exact.
    public var firstDivergingStep: Int? { robotDivergence.indices.first { robotDivergence[$0] != 0 || objectDivergence[$0] != 0 } }
    public var success: Bool
    /// Digest of the world state after the last replayed tick (`WorldSnapshot.digestText`).
    public var finalStateDigest: String
}

/// Replays recorded episodes: rebuilds the scene from the manifest's scene text and the episode's seed, applies the
/// recorded float32 actions, and compares every step's state with the recorded one.
public enum Replayer {
    /// The recording's environment. The scene text travels in the dataset (`root`), so the asset files it names are
    /// looked up inside the dataset (meta/benchtop/) and BENCHTOP_ASSET_PATH, and its asset_path may not leave the
    /// dataset; with `allowsOutsideRoot` (or no `root`) they are looked up beside the recorded scene file, as when
    /// it was recorded.
    public static func environment(
        manifest m: RecordingManifest, root: String? = nil, allowsOutsideRoot: Bool = false, registry: EmbodimentRegistry = .shared
    ) throws -> TabletopEnvironment {
        let confined = root != nil && !allowsOutsideRoot
        let scene: Scene
        do {
            scene = try SceneLoader.parse(
                m.sceneYAML, file: confined ? root! + "/meta/benchtop/scene.yaml" : m.scenePath, defaultName: m.sceneName, confined: confined)
        } catch let e as SceneError where confined && e.kind == .unreadable {
            throw RecordingError(
                "\(e.description) (a recording's scene reads asset files inside the dataset or BENCHTOP_ASSET_PATH; --allow-outside-root reads them beside the recorded scene file \(Excerpt.of(m.scenePath, limit: 120)))"
            )
        }
        let env = try RecordingSetup.environment(
            scene: scene, robot: m.robot, mode: m.mode, controlRate: m.controlRate,
            imageSize: m.imageSize, registry: registry)
        guard env.physicsStepsPerTick == m.physicsStepsPerTick, env.scene.physics.timeStep == m.physicsTimeStep else {
            throw RecordingError(
                "rebuilt scene steps \(env.physicsStepsPerTick) x \(env.scene.physics.timeStep) s per tick; the recording used \(m.physicsStepsPerTick) x \(m.physicsTimeStep) s"
            )
        }
        return env
    }

    /// Replays a whole episode headless.
    public static func replay(root: String, episode: Int, allowsOutsideRoot: Bool = false, registry: EmbodimentRegistry = .shared) throws
        -> ReplayReport
    {
        let session = try ReplaySession(root: root, episode: episode, allowsOutsideRoot: allowsOutsideRoot, registry: registry)
        while try session.advance() {}
        return session.report
    }
}

/// One episode's replay, a tick at a time (the viewer advances it at the recording's rate).
public final class ReplaySession {
    public let environment: TabletopEnvironment
    public let entry: RecordingManifest.RecordedEpisode
    private let recorded: EpisodeStates
    private let actions: [Double]
    private let width: Int
    private let objectIDs: [Int]
    public private(set) var tick = 0
    private var robotD: [Double] = [], objectD: [Double] = []
    private var success = false

    public init(
        root: String, episode: Int, allowsOutsideRoot: Bool = false, registry: EmbodimentRegistry = .shared, renders: Bool = false
    ) throws {
        let manifest = try RecordingManifest.load(root: root, allowsOutsideRoot: allowsOutsideRoot)
        let dataset = try LeRobotDataset(root: root, allowsOutsideRoot: allowsOutsideRoot)
        guard episode >= 0, episode < dataset.episodes.count else {
            throw RecordingError("\(root): no episode \(episode); the dataset has 0 ..< \(dataset.episodes.count)")
        }
        recorded = try EpisodeStates.load(root: root, episode: episode, allowsOutsideRoot: allowsOutsideRoot)
        if let listed = manifest.episodes.first(where: { $0.index == episode }) {
            entry = listed
        } else if let length = recorded.length, let success = recorded.success {
            // Committed to the dataset, but the run stopped before the manifest listed it (resume adds it).
            entry = .init(index: episode, seed: recorded.seed, length: length, success: success)
        } else {
            throw RecordingError("\(RecordingManifest.path(root: root)): no episode \(episode); recorded: 0 ..< \(manifest.episodes.count)")
        }
        actions = try dataset.episode(episode).values["action"] ?? []
        width = dataset.schema.features.first { $0.name == "action" }?.width ?? 0
        guard width > 0, actions.count == entry.length * width else {
            throw RecordingError(
                "\(dataset.dataFile(episode: episode)): episode \(episode) has \(actions.count) action values; expected \(entry.length) x \(width)")
        }
        guard recorded.robot.count == entry.length + 1, recorded.objects.count == entry.length + 1 else {
            throw RecordingError(
                "\(RecordingManifest.statesPath(root: root, episode: episode)): \(recorded.robot.count) states for \(entry.length) ticks (expected ticks + 1)"
            )
        }
        environment = try Replayer.environment(manifest: manifest, root: root, allowsOutsideRoot: allowsOutsideRoot, registry: registry)
        environment.rendersImages = renders
        _ = try environment.reset(seed: entry.seed)
        let world = environment.world
        objectIDs = try recorded.objectNames.map { name -> Int in
            guard let id = world.bodyID(named: name) else { throw RecordingError("the rebuilt scene has no object '\(name)'") }
            return id
        }
        compare(0)
    }

    public var isFinished: Bool { tick >= entry.length }

    /// Applies the next recorded action; false when none is left.
    public func advance() throws -> Bool {
        guard tick < entry.length else { return false }
        let info = try environment.step(Array(actions[tick * width..<(tick + 1) * width]))
        success = info.success
        tick += 1
        compare(tick)
        return true
    }

    public var report: ReplayReport {
        ReplayReport(
            episode: entry.index, seed: entry.seed, steps: tick, robotDivergence: robotD, objectDivergence: objectD, success: success,
            finalStateDigest: environment.world.snapshot().digestText)
    }

    private func compare(_ k: Int) {
        let world = environment.world
        let j = world.jointState(articulation: environment.controller.articulation)
        robotD.append(zip(j.jointPositions + j.jointVelocities, recorded.robot[k]).map { abs($0 - $1) }.max() ?? 0)
        let snapshot = world.snapshot()
        let objects = objectIDs.flatMap { id -> [Double] in
            let p = snapshot.bodies[id].pose
            return [p.position.x, p.position.y, p.position.z, p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w]
        }
        objectD.append(zip(objects, recorded.objects[k]).map { abs($0 - $1) }.max() ?? 0)
    }
}
