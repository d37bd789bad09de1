import BenchtopCore
import BenchtopPhysics
import BenchtopPolicy
import BenchtopRender
import BenchtopRobot
import BenchtopScene
import EmbodimentKit

/// The tabletop environment: a scene with one robot, its controller in a control mode, and its cameras.
///
/// Each reset rebuilds the world from the scene and the seed. Each tick applies one action, steps physics
/// for one control period and evaluates the task. Observations are rendered (RGB for every camera, plus
/// metric depth for the primary one, which depth tokens and steering read).
public final class TabletopEnvironment: Environment, PrivilegedAccess {
    public let scene: Scene
    public let task: TaskSpec
    public let embodiment: EmbodimentDescriptor
    public let robotName: String
    public let modeName: String
    /// The control mode the controller runs in (known before any world is built).
    public let controlMode: ControlMode
    /// Observation cameras, primary first.
    public let cameraNames: [String]
    public let controlRate: Double
    public let physicsStepsPerTick: Int
    /// Whether observations carry rendered images (off for physics-only runs and benchmarks of the loop's rest).
    public var rendersImages = true
    /// Applied to every observation before a policy sees it (sensor noise); given the episode's seed so the
    /// same episode gets the same bits.
    public var observationTransform: ((inout Observation, _ episodeSeed: UInt64) -> Void)?
    private var episodeSeed: UInt64 = 0

    /// The current episode's world and robot controller, built by `reset(seed:)` (or, when read before the
    /// first reset, with seed 0).
    public var world: World { built().world }
    public var controller: RobotController { built().controller }
    /// The scene compiled for this robot: worlds are built from it at each reset.
    public let compiled: CompiledScene
    private var current: (world: World, controller: RobotController)?
    /// The seed of the current world while nothing has stepped it: a reset with that seed keeps it, since a
    /// fresh build would be the same bits (no world is built only to be thrown away).
    private var unsteppedSeed: UInt64?
    private var renderer: CameraRenderer?
    private var evaluator: PredicateEvaluator?
    private var previousCollisions = Set<[Int]>()
    private var taskObjects = Set<Int>()

    public var instruction: String { task.instruction }
    public var actionDimension: Int { controlMode.action.count }
    public var primaryCamera: String { cameraNames[0] }

    /// - Parameters:
    ///   - robot: an embodiment that replaces the scene's (placed at its default base), or nil for the scene's.
    ///   - mode: control mode name; nil is the embodiment's first (its dataset convention).
    ///   - controlRate: control ticks per second; nil uses the mode's rate.
    public convenience init(
        scene: Scene, robot: String? = nil, registry: EmbodimentRegistry = .shared, mode: String? = nil,
        controlRate: Double? = nil
    ) throws {
        try self.init(compiled: try CompiledScene(scene: scene, robot: robot, registry: registry), mode: mode, controlRate: controlRate)
    }

    /// An environment of a compiled scene's first robot. No world is built until the first reset.
    public init(compiled: CompiledScene, mode: String? = nil, controlRate: Double? = nil) throws {
        let scene = compiled.scene
        guard let task = scene.task else {
            throw EvaluationError("scene '\(scene.name)' has no task block; evaluation needs an instruction and a success predicate")
        }
        guard let robot = compiled.robots.first else {
            throw EvaluationError("scene '\(scene.name)' places no robot; give --robot NAME")
        }
        let descriptor = robot.embodiment
        self.compiled = compiled
        self.scene = scene
        self.task = task
        self.embodiment = descriptor
        self.robotName = robot.placement.name
        let names = descriptor.cameras.map(\.name)
        cameraNames = names.isEmpty ? scene.cameras.map(\.name) : names
        guard let mode = descriptor.controlMode(mode) else {
            throw EvaluationError(
                "embodiment '\(descriptor.name)' has no control mode '\(mode ?? "")'; modes: \(descriptor.controlModes.map(\.name).joined(separator: ", "))"
            )
        }
        modeName = mode.name
        controlMode = mode
        let rate = controlRate ?? mode.rate
        let steps = (1 / (rate * scene.physics.timeStep)).rounded()
        guard steps >= 1, abs(steps * rate * scene.physics.timeStep - 1) < 1e-6 else {
            throw EvaluationError("control rate \(rate) Hz does not divide the physics rate \(1 / scene.physics.timeStep) Hz into whole steps")
        }
        self.controlRate = rate
        physicsStepsPerTick = Int(steps)
    }

    /// The current world, built with seed 0 when read before the first reset.
    private func built() -> (world: World, controller: RobotController) {
        if let current { return current }
        do {
            let made = try make(seed: 0)
            current = made
            unsteppedSeed = 0
            return made
        } catch {
            // Building depends on the compiled articulations, not the seed: a scene whose world cannot be built
            // fails every reset with that error first; commands reset before reading the world (`--view` too).
            fatalError("building the world of '\(scene.name)' failed: \(error)")
        }
    }

    private func make(seed: UInt64) throws -> (world: World, controller: RobotController) {
        let (world, controllers) = try compiled.makeWorld(seed: seed, mode: modeName)
        return (world, controllers[0])
    }

    // MARK: - Environment

    /// Fastest object speed (m/s) at which a tick's success still counts.
    public static let maxPlausibleSpeed = 5.0

    public func reset(seed: UInt64) throws -> Observation {
        try prepare(seed: seed)
        return try observe()
    }

    /// Builds the episode's world for `seed` and opens the grippers, without rendering an observation (the
    /// viewer reads the world before its runner thread renders: one thread may not hold GLX and EGL at once).
    public func prepare(seed: UInt64) throws {
        if current == nil || unsteppedSeed != seed { current = try make(seed: seed) }
        unsteppedSeed = seed
        // A bad start (say, from a huge randomisation range) is the scene's fault: say so before a policy reads it.
        if let problem = world.initialStateProblem() {
            throw SceneProblem("scene '\(scene.name)', seed \(seed): \(problem); check the scene's positions and randomize ranges")
        }
        episodeSeed = seed
        evaluator = PredicateEvaluator(world: world, graspers: graspers())
        taskObjects = Set(task.success.objectNames.compactMap { world.bodyID(named: $0) })
        previousCollisions = []
        if let g = embodiment.arms.first?.gripper, !g.joints.isEmpty {
            for arm in embodiment.arms.indices { controller.command(arm: arm, aperture: 1) }
        }
    }

    public func observe() throws -> Observation {
        var images: [CameraImage] = []
        if rendersImages {
            if renderer == nil { renderer = try CameraRenderer(scene: scene, bodies: world.bodies) }
            let requests = cameraNames.map { (camera: $0, outputs: $0 == primaryCamera ? RenderOutputs([.rgb, .depth]) : .rgb) }
            let rendered = try renderer!.images(of: world.snapshot(), requests: requests)
            for (name, r) in zip(cameraNames, rendered) {
                guard let rgb = r.rgb else { continue }
                images.append(CameraImage(name: name, rgb: rgb, depth: r.depth))
            }
        }
        var observation = Observation(images: images, state: controller.state(), instruction: task.instruction, time: world.time)
        observationTransform?(&observation, episodeSeed)
        return observation
    }

    public func step(_ action: [Double]) throws -> TickInfo {
        unsteppedSeed = nil
        try controller.apply(action: action)
        try world.step(physicsStepsPerTick)
        let snapshot = world.snapshot()
        let contacts = world.contacts()
        let graph = PredicateEvaluator.ContactGraph(contacts)
        if evaluator == nil { evaluator = PredicateEvaluator(world: world) }
        // An exploding scene can fling an object "up" at tick 1: no success is credited while any object moves
        // faster than anything in a tabletop task does.
        let calm = snapshot.bodies.indices.allSatisfy {
            world.bodies[$0].kind != .object || length(snapshot.bodies[$0].linearVelocity) <= Self.maxPlausibleSpeed
        }
        let success = calm && evaluator!.evaluate(task.success, snapshot, graph)
        let stages = task.stages.map { evaluator!.evaluate($0.predicate, snapshot, graph) }
        // New robot contacts with objects the task does not name.
        var collisions = Set<[Int]>()
        for c in contacts {
            let a = world.bodies[c.bodyA].kind
            let b = world.bodies[c.bodyB].kind
            if a == .robotLink && b == .object && !taskObjects.contains(c.bodyB) { collisions.insert([c.bodyA, c.bodyB]) }
            if b == .robotLink && a == .object && !taskObjects.contains(c.bodyA) { collisions.insert([c.bodyB, c.bodyA]) }
        }
        let fresh = collisions.subtracting(previousCollisions).count
        previousCollisions = collisions
        let tcps = embodiment.arms.indices.map { (controller.basePose * controller.tcpPose(arm: $0)).position }
        return TickInfo(
            time: world.time, success: success, stages: stages, endEffector: tcps[0], endEffectors: tcps, joints: controller.jointPositions,
            newCollisions: fresh)
    }

    public var stateDigest: String? { world.snapshot().digestText }

    // MARK: - PrivilegedAccess (for policies that read the world; the runner sees only `Environment`)

    public func primaryPinhole() throws -> PinholeCamera {
        guard let camera = scene.cameras.first(where: { $0.name == primaryCamera }) else {
            throw EvaluationError("no camera named '\(primaryCamera)'")
        }
        return try camera.pinhole(bodies: world.bodies, snapshot: world.snapshot())
    }

    /// Body ids of the gripper fingers: the child links of each gripper joint.
    private func graspers() -> Set<Int> {
        guard let articulation = world.articulations.first else { return [] }
        var ids = Set<Int>()
        for arm in embodiment.arms {
            for jointName in arm.gripper?.joints ?? [] {
                guard let joint = articulation.spec.joints.first(where: { $0.name == jointName }) else { continue }
                ids.insert(articulation.linkBodies[joint.child])
                // Pads and tips fixed below the finger count as the finger.
                for fixed in articulation.spec.joints where fixed.kind == .fixed && fixed.parent == joint.child {
                    ids.insert(articulation.linkBodies[fixed.child])
                }
            }
        }
        return ids
    }
}

/// A scene that cannot start an episode (reported as the scene's problem, not the policy's).
public struct SceneProblem: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A setting the evaluation cannot run with (no task, no robot, a control rate that does not divide physics).
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
