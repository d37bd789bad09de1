import BenchtopEval
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopRobot
import BenchtopScene
import EmbodimentKit

/// Collects the parts of an evaluation (scene and robot, policy, stages, subscribers) and connects them once,
/// in the spirit of Drake's DiagramBuilder. `benchtop eval` (plain, `--perturb`, `--view`), `record`, `replay`,
/// sweeps and the benchmarks all build through it, so they agree on how an environment and a policy are made.
public struct EvaluationBuilder {
    public var scene: Scene
    /// An embodiment that replaces the scene's, or nil for the scene's own.
    public var robot: String?
    public var registry: EmbodimentRegistry
    /// Control mode (nil: the embodiment's first) and rate (nil: the mode's).
    public var mode: String?
    public var controlRate: Double?
    /// Render every observation camera (mounted ones included) at this square size; nil keeps their sizes.
    public var imageSize: Int?
    public var policy: PolicySpec = .builtin
    public var policyOptions = PolicyOptions()
    /// Control ticks per episode; nil is the task's time limit.
    public var horizon: Int?
    public var timing: PolicyTiming = .paused
    /// Whether observations carry rendered images; nil renders them unless no one looks (see `build`).
    public var rendersImages: Bool?
    /// A perturbation between policy and robot, with its spec seed.
    public var perturbation: (perturbation: Perturbation, seed: UInt64)?
    /// Clamp actions to joint limits and gripper range (and end-effector steps to this many metres) after any
    /// perturbation: a `SafetyLimitStage` at the end of the pipeline. nil leaves actions as the policy sent them.
    public var safetyLimits: SafetyLimits?
    public var subscribers: [any EpisodeSubscriber] = []

    public init(scene: Scene, robot: String? = nil, registry: EmbodimentRegistry = .shared) {
        self.scene = scene
        self.robot = robot
        self.registry = registry
    }

    /// The environment alone (for tools that drive it without a policy: replay, the teleop session).
    public func makeEnvironment() throws -> TabletopEnvironment {
        var compiled = try CompiledScene(scene: scene, robot: robot, registry: registry)
        if let imageSize { compiled.resizeCameras(to: imageSize) }
        let environment = try TabletopEnvironment(compiled: compiled, mode: mode, controlRate: controlRate)
        if let rendersImages { environment.rendersImages = rendersImages }
        return environment
    }

    /// Builds the environment, the policy and the runner, with the perturbation stage attached and the
    /// subscribers in order. `wrap` puts another environment in front of the runner (the viewer's gate).
    public func build(wrap: ((TabletopEnvironment) throws -> any Environment)? = nil) throws -> Evaluation {
        let environment = try makeEnvironment()
        let policy = try PolicyFactory.make(self.policy, environment: environment, options: policyOptions)
        let ticks = horizon ?? Int((environment.task.timeLimit * environment.controlRate).rounded())
        let runner = EpisodeRunner(
            environment: try wrap?(environment) ?? environment, policy: policy,
            settings: RunnerSettings(horizon: ticks, actionSteps: policyOptions.actionSteps, timing: timing))
        var stage: PerturbationStage?
        if let (p, seed) = perturbation {
            let s = PerturbationStage(p, seed: seed, grippers: environment.gripperChannels)
            do { try s.attach(to: runner, environment: environment) } catch let e as PerturbationError {
                throw PerturbationError("\(p.name): \(e.description)")
            }
            stage = s
        }
        var limits: SafetyLimitStage?
        if let safetyLimits {
            let s = SafetyLimitStage(
                mode: environment.controlMode, embodiment: environment.embodiment,
                maxTranslationStep: safetyLimits.maxTranslationStep)
            runner.stages.append(s)
            limits = s
        }
        runner.subscribers = subscribers
        return Evaluation(environment: environment, policy: policy, runner: runner, perturbation: stage, safetyLimits: limits)
    }
}

/// A built evaluation: the environment, the policy and the runner that connects them.
public final class Evaluation {
    public let environment: TabletopEnvironment
    public let policy: any Policy
    public let runner: EpisodeRunner
    /// The perturbation stage, when one was attached (its event log).
    public let perturbation: PerturbationStage?
    /// The safety-limit stage, when asked for (its count of clamped values).
    public let safetyLimits: SafetyLimitStage?

    init(
        environment: TabletopEnvironment, policy: any Policy, runner: EpisodeRunner, perturbation: PerturbationStage?,
        safetyLimits: SafetyLimitStage?
    ) {
        self.environment = environment
        self.policy = policy
        self.runner = runner
        self.perturbation = perturbation
        self.safetyLimits = safetyLimits
    }

    /// Control ticks per episode.
    public var horizon: Int { runner.settings.horizon }

    /// Runs one episode with `seed`.
    public func run(seed: UInt64) -> EpisodeResult {
        runner.run(seed: seed, task: environment.task.stages.map(\.name))
    }
}

/// What `SafetyLimitStage` enforces beyond joint limits and the gripper range.
public struct SafetyLimits: Sendable {
    /// Largest end-effector translation per action, metres (end-effector delta modes); nil for none.
    public var maxTranslationStep: Double?
    public init(maxTranslationStep: Double? = nil) { self.maxTranslationStep = maxTranslationStep }
}
