import BenchtopCore
import BenchtopPerturbation
import BenchtopPolicy
import EmbodimentKit

extension TabletopEnvironment {
    /// The control mode's gripper channels with their encoded closed and open values.
    public var gripperChannels: [GripperChannel] {
        controlMode.action.enumerated().compactMap { i, channel in
            guard case .gripper = channel.source else { return nil }
            return GripperChannel(index: i, closedValue: channel.encode(0), openValue: channel.encode(1))
        }
    }
}

/// A perturbation as one stage of the runner's pipeline.
final class PerturbationChunkStage: ChunkStage {
    let stage: PerturbationStage
    let policy: any Policy
    init(_ stage: PerturbationStage, policy: any Policy) {
        self.stage = stage
        self.policy = policy
    }
    func prepare(_ context: ChunkContext) {
        guard let chain = policy as? any ReasoningChain else { return }
        stage.prepare(chain, query: context.query, tick: context.tick, episodeSeed: context.episodeSeed)
    }
    func process(_ chunk: inout ActionChunk, context: ChunkContext) {
        stage.perturb(&chunk, query: context.query, tick: context.tick, episodeSeed: context.episodeSeed, previous: context.previous, policy: policy)
    }
}

extension PerturbationSpec {
    /// Checks every perturbation against the environment it will run in, before any episode: observation cameras
    /// the robot's observations have (an unknown camera would make the perturbation a silent no-op) and action
    /// lists one or `actionDimension` long. Errors name the spec file and the key path.
    public func check(against environment: TabletopEnvironment, file: String) throws {
        for (i, p) in perturbations.enumerated() {
            do { try p.actions?.validate(dimension: environment.actionDimension) } catch let e as PerturbationError {
                throw PerturbationError("\(file): perturbations[\(i)].\(e.description)")
            }
            for (j, name) in (p.observation?.cameras ?? []).enumerated() where !environment.cameraNames.contains(name) {
                throw PerturbationError(
                    "\(file): perturbations[\(i)].observation.cameras[\(j)]: no observation camera named '\(Excerpt.of(name))'"
                        + Suggestion.phrase(for: name, in: environment.cameraNames)
                        + "; \(environment.embodiment.name) in scene \(environment.scene.name) has: \(environment.cameraNames.joined(separator: ", "))"
                )
            }
        }
    }
}

extension PerturbationStage {
    /// Puts the stage between `runner`'s policy and its environment: new chunks through one more stage of the
    /// runner's pipeline, observations through the environment's observation transform (after any existing one).
    public func attach(to runner: EpisodeRunner, environment: TabletopEnvironment) throws {
        try perturbation.actions?.validate(dimension: environment.actionDimension)
        // A camera the observations do not have would make the perturbation a silent no-op.
        for name in perturbation.observation?.cameras ?? [] where !environment.cameraNames.contains(name) {
            throw PerturbationError(
                "observation.cameras: no observation camera named '\(Excerpt.of(name))'"
                    + Suggestion.phrase(for: name, in: environment.cameraNames)
                    + "; cameras: \(environment.cameraNames.joined(separator: ", "))")
        }
        runner.stages.append(PerturbationChunkStage(self, policy: runner.policy))
        if perturbation.observation != nil {
            let existing = environment.observationTransform
            environment.observationTransform = { observation, seed in
                existing?(&observation, seed)
                self.perturb(&observation, episodeSeed: seed)
            }
        }
    }
}
