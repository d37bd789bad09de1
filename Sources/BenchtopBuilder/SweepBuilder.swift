import BenchtopEval
import BenchtopPolicy
import BenchtopScene
import BenchtopVariation
import EmbodimentKit

extension EvaluationBuilder {
    /// A sweep runner whose units get their policy from `PolicyFactory`: the spec's `policy:`, with `options`
    /// for what the spec does not hold (norm stats). A remote policy is one client for every unit of this
    /// runner (each worker process runs one runner, so one client per worker, the server shared); the
    /// built-in policy reads one environment's world and is made per unit.
    public static func sweepRunner(
        spec: SweepSpec, scene: Scene, registry: EmbodimentRegistry = .shared,
        options: PolicyOptions = PolicyOptions()
    ) throws -> SweepRunner {
        let policySpec = try PolicySpec(parsing: spec.policy)
        var options = options
        options.actionSteps = spec.actionSteps
        var shared: (any Policy)?
        return try SweepRunner(spec: spec, scene: scene, registry: registry) { environment in
            if let shared { return shared }
            let policy = try PolicyFactory.make(policySpec, environment: environment, options: options)
            if policySpec.isSharable { shared = policy }
            return policy
        }
    }
}
