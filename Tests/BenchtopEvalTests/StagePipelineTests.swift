import BenchtopBuilder
import BenchtopEval
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopScene
import EmbodimentKit
import Foundation
import Testing

/// Asks for joint targets far outside the DROID Franka's limits, gripper beyond both ends.
final class OutOfRangePolicy: Policy {
    let name = "out-of-range"
    func reset(instruction: String, seed: UInt64) throws {}
    func act(on observation: Observation) throws -> ActionChunk {
        ActionChunk(actions: (0..<4).map { j in [9, -9, 9, -9, 9, -9, 9] + [j % 2 == 0 ? 3 : -3] })
    }
}

/// Adds `offset` to every value of every action.
final class OffsetStage: ChunkStage {
    let offset: Double
    init(_ offset: Double) { self.offset = offset }
    func process(_ chunk: inout ActionChunk, context: ChunkContext) {
        chunk.actions = chunk.actions.map { $0.map { $0 + offset } }
    }
}

@Suite struct StagePipelineTests {
    func environment() throws -> TabletopEnvironment {
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml")
        let env = try TabletopEnvironment(scene: scene, robot: "franka_droid", registry: SweepTests.registry)
        env.rendersImages = false
        return env
    }

    func run(_ stages: [any ChunkStage], environment env: TabletopEnvironment) -> [[Double]] {
        let runner = EpisodeRunner(environment: env, policy: OutOfRangePolicy(), settings: RunnerSettings(horizon: 4, actionSteps: 4))
        runner.stages = stages
        let log = ActionLog()
        runner.subscribers = [log]
        _ = runner.run(seed: 0, task: [])
        return log.actions
    }

    @Test func safetyLimitsKeepJointTargetsAndGripperInRange() throws {
        let env = try environment()
        let limits = SafetyLimitStage(mode: env.controlMode, embodiment: env.embodiment)
        let unlimited = run([], environment: env)
        #expect(unlimited.first?.first == 9, "without the stage the policy's values run as sent")
        let actions = run([limits], environment: env)
        #expect(actions.count == 4)
        let joints = env.embodiment.joints
        for action in actions {
            for (k, name) in env.embodiment.arms[0].joints.enumerated() {
                let joint = joints[try #require(env.embodiment.jointIndex(named: name))]
                #expect(action[k] >= joint.lower && action[k] <= joint.upper, "\(name): \(action[k]) outside \(joint.lower)...\(joint.upper)")
                #expect(action[k] == (k % 2 == 0 ? joint.upper : joint.lower), "\(name) should sit at the limit it was pushed past")
            }
            #expect(action[7] == 0 || action[7] == 1, "gripper \(action[7]) outside 0...1")
        }
        #expect(limits.clampedValues == 4 * 8)
    }

    @Test func stagesRunInOrder() throws {
        let env = try environment()
        let limits = SafetyLimitStage(mode: env.controlMode, embodiment: env.embodiment)
        // Limit, then offset: the offset survives; offset, then limit: the limit wins.
        let limitedThenShifted = run([limits, OffsetStage(0.5)], environment: env)
        let shiftedThenLimited = run([OffsetStage(0.5), SafetyLimitStage(mode: env.controlMode, embodiment: env.embodiment)], environment: env)
        let upper = env.embodiment.joints[try #require(env.embodiment.jointIndex(named: env.embodiment.arms[0].joints[0]))].upper
        #expect(limitedThenShifted[0][0] == upper + 0.5)
        #expect(shiftedThenLimited[0][0] == upper)
    }

    @Test func theBuilderPutsSafetyLimitsAfterThePerturbation() throws {
        var builder = EvaluationBuilder(
            scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"), robot: "franka_droid",
            registry: SweepTests.registry)
        builder.rendersImages = false
        builder.horizon = 4
        let spec = try PerturbationSpec.parse("perturbations:\n  - name: noise\n    actions: {noise: 0.01}\n")
        builder.perturbation = (perturbation: try #require(spec.perturbations.first), seed: 1)
        builder.safetyLimits = SafetyLimits()
        let evaluation = try builder.build()
        #expect(evaluation.runner.stages.count == 2)
        #expect(evaluation.runner.stages.last === evaluation.safetyLimits)
        #expect(evaluation.run(seed: 0).ticks == 4)
    }
}
