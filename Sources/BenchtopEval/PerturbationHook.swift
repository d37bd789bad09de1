import BenchtopCore
import BenchtopPerturbation
import BenchtopPolicy
import EmbodimentKit

extension TabletopEnvironment {
    /// The control mode's gripper channels with their encoded closed and open values.
    public var gripperChannels: [GripperChannel] {
        controller.mode.action.enumerated().compactMap { i, channel in
            guard case .gripper = channel.source else { return nil }
            return GripperChannel(index: i, closedValue: channel.encode(0), openValue: channel.encode(1))
        }
    }
}

extension PerturbationStage {
    /// Puts the stage between `runner`'s policy and its environment: new chunks through the runner's chunk
    /// transform, observations through the environment's observation transform (after any existing one).
    public func attach(to runner: EpisodeRunner, environment: TabletopEnvironment) throws {
        try perturbation.actions?.validate(dimension: environment.actionDimension)
        let policy = runner.policy
        if let chain = policy as? any ReasoningChain {
            runner.queryWillStart = { query, tick, seed in self.prepare(chain, query: query, tick: tick, episodeSeed: seed) }
        }
        runner.chunkTransform = { chunk, context in
            self.perturb(&chunk, query: context.query, tick: context.tick, episodeSeed: context.episodeSeed, previous: context.previous, policy: policy)
        }
        if perturbation.observation != nil {
            let existing = environment.observationTransform
            environment.observationTransform = { observation, seed in
                existing?(&observation, seed)
                self.perturb(&observation, episodeSeed: seed)
            }
        }
    }
}
