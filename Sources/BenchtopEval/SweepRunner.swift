import BenchtopCore
import BenchtopImage
import BenchtopPolicy
import BenchtopRobot
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation

/// Runs a variation sweep (or one shard of it): for each unit (cell, episode) it varies the scene with the
/// episode's seed, builds the environment, and runs one closed-loop episode with the same seed. Results carry
/// the unit's place in the canonical order, so shards merge into exactly the unsharded run.
public final class SweepRunner {
    public let spec: SweepSpec
    /// The spec's scene with the robot override applied (so the robot-init axis can set its joints).
    public let scene: Scene
    public let context: VariationContext
    public let registry: EmbodimentRegistry
    /// Makes the policy for each unit's environment (the evaluation layer's policy factory; a remote policy's
    /// one client may serve every unit of this runner).
    public let makePolicy: (TabletopEnvironment) throws -> any Policy
    /// Where to write one example picture per cell (`pictures/<cell>.png` under it); nil writes none.
    public var outputDirectory: String?
    /// Called after each unit with (units done, units in this shard).
    public var progress: ((Int, Int) -> Void)?

    public init(
        spec: SweepSpec, scene baseScene: Scene, registry: EmbodimentRegistry = .shared,
        makePolicy: @escaping (TabletopEnvironment) throws -> any Policy
    ) throws {
        self.spec = spec
        self.registry = registry
        self.makePolicy = makePolicy
        let compiled = try CompiledScene(scene: baseScene, robot: spec.robot, registry: registry)
        // Variations apply to the scene as written with its robots resolved; mounted cameras reach the camera
        // axis through the context, and each unit's varied scene is compiled again.
        var s = baseScene
        s.robots = compiled.robots.map(\.placement)
        scene = s
        context = VariationContext(compiled: compiled)
    }

    /// The seed of episode k of every cell (the same as `benchtop eval --seed S`'s episode k).
    public func episodeSeed(_ episode: Int) -> UInt64 { spec.seed &+ UInt64(episode) }

    /// The varied scene of a unit.
    public func variation(cell: SweepCell, episode: Int) throws -> Variation {
        try Variations.apply(
            scene, axis: cell.axis ?? .layout, level: cell.axis == nil ? 0 : cell.level, seed: episodeSeed(episode),
            context: context)
    }

    /// The environment of a unit, with the variation's observation settings applied.
    public func environment(for v: Variation, rendersImages: Bool) throws -> TabletopEnvironment {
        let env = try TabletopEnvironment(scene: v.scene, registry: registry, mode: spec.mode, controlRate: spec.controlRate)
        env.rendersImages = rendersImages
        if let noise = v.sensorNoise {
            env.observationTransform = { obs, episodeSeed in
                for i in obs.images.indices {
                    noise.apply(to: &obs.images[i].rgb, episodeSeed: episodeSeed, time: obs.time, camera: obs.images[i].name)
                }
                noise.apply(to: &obs.state, episodeSeed: episodeSeed, time: obs.time)
            }
        }
        return env
    }

    /// Runs the units of a shard in canonical order.
    public func run(shard: Shard = .whole) throws -> SweepResults {
        let cells = spec.cells
        let units = spec.units.enumerated().filter { shard.contains(unitIndex: $0.offset) }.map(\.element)
        let renders = spec.renderObservations ?? (spec.policy != "builtin")
        var records: [SweepEpisodeRecord] = []
        var pictures: [String: String] = [:]
        for (done, unit) in units.enumerated() {
            let cell = cells[unit.cell]
            let v = try variation(cell: cell, episode: unit.episode)
            let env = try environment(for: v, rendersImages: renders)
            let policy = try makePolicy(env)
            let horizon = spec.horizon ?? Int((env.task.timeLimit * env.controlRate).rounded())
            let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: horizon, actionSteps: spec.actionSteps))
            let seed = episodeSeed(unit.episode)
            let r = runner.run(seed: seed, task: env.task.stages.map(\.name))
            records.append(SweepEpisodeRecord(cell: cell, unit: unit, result: r, instruction: env.instruction, changes: v.changes))
            if unit.episode == 0, spec.pictures, let dir = outputDirectory {
                let path = "pictures/\(cell.id.replacingOccurrences(of: "@", with: "_L")).png"
                try writePicture(of: v, seed: seed, to: "\(dir)/\(path)")
                pictures[cell.id] = path
            }
            progress?(done + 1, units.count)
        }
        return SweepResults(spec: spec, shard: shard == .whole ? nil : shard.description, episodes: records, pictures: pictures)
    }

    /// The primary camera at the episode's first observation, halved to at most 128 pixels wide.
    func writePicture(of v: Variation, seed: UInt64, to path: String) throws {
        let env = try environment(for: v, rendersImages: true)
        let obs = try env.reset(seed: seed)
        guard let rgb = obs.images.first?.rgb else { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try PNG.write(Self.halved(rgb, until: 128), to: path)
    }

    /// 2x2 box downsampling until the width is at most `maxWidth`.
    static func halved(_ image: RGBImage, until maxWidth: Int) -> RGBImage {
        var img = image
        while img.width > maxWidth, img.width >= 2, img.height >= 2 {
            let w = img.width / 2
            let h = img.height / 2
            var out = RGBImage(width: w, height: h)
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        var sum = 0
                        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { sum += Int(img.pixels[((2 * y + dy) * img.width + 2 * x + dx) * 3 + c]) }
                        out.pixels[(y * w + x) * 3 + c] = UInt8((sum + 2) / 4)
                    }
                }
            }
            img = out
        }
        return img
    }
}

/// One episode of a sweep, as results.json stores it.
public struct SweepEpisodeRecord: Codable, Sendable, Equatable {
    public var cell: String
    public var axis: String?
    public var level: Int
    public var episode: Int
    public var seed: UInt64
    public var instruction: String
    public var outcome: String
    public var error: String?
    public var success: Bool
    public var successAnyTime: Bool
    public var progression: Double
    public var ticks: Int
    public var completionTime: Double?
    public var cartesianPathLength: Double
    public var jointPathLength: Double
    public var meanJerk: Double
    public var rmsJerk: Double
    public var collisions: Int
    /// Wall-clock seconds per policy query: the one field that differs between runs of the same sweep.
    public var latencies: [Double]
    public var policyErrors: Int
    /// Policy problems by category (absent in files written before it existed).
    public var policyErrorFields: [String: Int]?
    /// What the variation changed.
    public var changes: [String]
    /// Digest of the world state at the episode's end (equal digests, equal bits).
    public var finalStateDigest: String?

    enum CodingKeys: String, CodingKey {
        case cell, axis, level, episode, seed, instruction, outcome, error, success, progression, ticks, collisions, latencies, changes
        case successAnyTime = "success_any_time"
        case completionTime = "completion_time_s"
        case cartesianPathLength = "cartesian_path_length_m"
        case jointPathLength = "joint_path_length_rad"
        case meanJerk = "mean_jerk_m_s3"
        case rmsJerk = "rms_jerk_m_s3"
        case policyErrors = "policy_errors"
        case policyErrorFields = "policy_error_fields"
        case finalStateDigest = "final_state_digest"
    }

    public init(cell: SweepCell, unit: SweepUnit, result r: EpisodeResult, instruction: String, changes: [String]) {
        self.cell = cell.id
        axis = cell.axis?.rawValue
        level = cell.level
        episode = unit.episode
        seed = r.seed
        self.instruction = instruction
        outcome = r.outcome.label
        switch r.outcome {
        case .policyError(let m), .physicsError(let m), .unsupportedTask(let m): error = m
        default: error = nil
        }
        success = r.successAtEnd
        successAnyTime = r.successAnyTime
        progression = r.progression
        ticks = r.ticks
        completionTime = r.completionTime
        cartesianPathLength = r.cartesianPathLength
        jointPathLength = r.jointPathLength
        meanJerk = r.meanJerk
        rmsJerk = r.rmsJerk
        collisions = r.collisions
        latencies = r.latencies
        policyErrors = r.policyErrors
        policyErrorFields = r.policyErrorFields.isEmpty ? nil : r.policyErrorFields
        self.changes = changes
        finalStateDigest = r.finalStateDigest
    }

    /// The record as an `EpisodeResult`, for summaries.
    public var result: EpisodeResult {
        let o: EpisodeOutcome =
            switch outcome {
            case "success": .success
            case "policy_error": .policyError(error ?? "")
            case "physics_error": .physicsError(error ?? "")
            case "unsupported_task": .unsupportedTask(error ?? "")
            default: .timeout
            }
        var r = EpisodeResult(
            seed: seed, outcome: o, successAtEnd: success, successAnyTime: successAnyTime, progression: progression, ticks: ticks,
            completionTime: completionTime, cartesianPathLength: cartesianPathLength, jointPathLength: jointPathLength,
            meanJerk: meanJerk, rmsJerk: rmsJerk, collisions: collisions, latencies: latencies, policyErrors: policyErrors,
            policyErrorFields: policyErrorFields ?? [:])
        r.finalStateDigest = finalStateDigest
        return r
    }

    /// The record without wall-clock fields, for comparing runs.
    public var withoutTimings: SweepEpisodeRecord {
        var r = self
        r.latencies = []
        return r
    }
}

/// A sweep's results (one shard or merged): results.json.
public struct SweepResults: Codable, Sendable, Equatable {
    public var kind = "benchtop.sweep"
    public var version = 1
    /// The spec as YAML, and its canonical text (shards must agree on it).
    public var specYAML: String
    public var specCanonical: String
    /// The shard these results cover ("k/n"), nil when they cover every unit.
    public var shard: String?
    public var cells: [String]
    public var episodes: [SweepEpisodeRecord]
    /// Cell id -> example picture path, relative to the results directory.
    public var pictures: [String: String]

    enum CodingKeys: String, CodingKey {
        case kind, version, shard, cells, episodes, pictures
        case specYAML = "spec_yaml"
        case specCanonical = "spec_canonical"
    }

    public init(spec: SweepSpec, shard: String?, episodes: [SweepEpisodeRecord], pictures: [String: String]) {
        specYAML = spec.yaml
        specCanonical = spec.canonicalText
        self.shard = shard
        cells = spec.cells.map(\.id)
        self.episodes = episodes
        self.pictures = pictures
    }

    public var spec: SweepSpec { get throws { try SweepSpec.parse(specYAML, file: "results.json spec_yaml") } }

    /// Every unit this result holds, in canonical order, must be a unit of the spec.
    public func sorted() throws -> SweepResults {
        let index = Dictionary(uniqueKeysWithValues: cells.enumerated().map { ($1, $0) })
        var r = self
        for e in episodes where index[e.cell] == nil { throw VariationError("episode of unknown cell '\(e.cell)'") }
        r.episodes.sort { (index[$0.cell]!, $0.episode) < (index[$1.cell]!, $1.episode) }
        return r
    }

    /// Merges shards of one sweep into one result in canonical order. Fails when the specs differ or a unit
    /// appears twice with different outcomes; `requireComplete` also fails when a unit is missing.
    public static func merge(_ parts: [SweepResults], requireComplete: Bool = true) throws -> SweepResults {
        guard let first = parts.first else { throw VariationError("nothing to merge") }
        for (i, p) in parts.enumerated() where p.specCanonical != first.specCanonical {
            throw VariationError("part \(i + 1) is from a different sweep spec:\n\(p.specCanonical)\nexpected:\n\(first.specCanonical)")
        }
        var seen: [String: SweepEpisodeRecord] = [:]
        var merged = first
        merged.episodes = []
        merged.pictures = [:]
        for p in parts {
            for e in p.episodes {
                let key = "\(e.cell)#\(e.episode)"
                if let old = seen[key] {
                    guard old.withoutTimings == e.withoutTimings else { throw VariationError("unit \(key) appears twice with different results") }
                    continue
                }
                seen[key] = e
                merged.episodes.append(e)
            }
            merged.pictures.merge(p.pictures) { a, _ in a }
        }
        let spec = try first.spec
        if requireComplete {
            let missing = spec.units.filter { seen["\(spec.cells[$0.cell].id)#\($0.episode)"] == nil }
            guard missing.isEmpty else {
                throw VariationError(
                    "\(missing.count) of \(spec.units.count) units are missing (e.g. \(spec.cells[missing[0].cell].id) episode \(missing[0].episode)); merge every shard k/n"
                )
            }
            merged.shard = nil
        } else {
            merged.shard = parts.compactMap(\.shard).joined(separator: "+")
        }
        return try merged.sorted()
    }

    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    public static func decode(_ data: Data, file: String) throws -> SweepResults {
        do { return try JSONDecoder().decode(SweepResults.self, from: data) } catch {
            throw VariationError("\(file): not a sweep results.json (\(error))")
        }
    }
}

extension VariationContext {
    /// What the variation axes need to know about a compiled scene's robots: each robot's home joints, arm
    /// joints and limits (robot-init axis) and the cameras the robots mount (camera axis).
    public init(compiled: CompiledScene) {
        var robots: [String: RobotJoints] = [:]
        for robot in compiled.robots {
            let d = robot.embodiment
            let arm = d.arms.flatMap { $0.joints.compactMap(d.jointIndex(named:)) }
            let limits = d.joints.map { $0.lower <= $0.upper ? $0.lower...$0.upper : -Double.infinity...Double.infinity }
            robots[robot.placement.name] = RobotJoints(home: d.homePositions, armJoints: arm, limits: limits)
        }
        self.init(robots: robots, mountedCameras: compiled.mountedCameras)
    }
}
