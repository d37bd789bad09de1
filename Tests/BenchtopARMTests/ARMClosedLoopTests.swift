import BenchtopARM
import BenchtopEval
import BenchtopNumerics
import BenchtopScene
import Foundation
import Testing

/// The shipped weights in closed loop on pick_cube (rendered images, real physics; no video, no panels).
@Suite(.serialized) struct ARMClosedLoopTests {
    /// Seeds 0, 1 and 2 (the first three, not chosen): all three succeed with the shipped weights.
    @Test func theShippedWeightsPickTheCube() throws {
        BLAS.setThreadCount(1)
        let env = try TabletopEnvironment(scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"), registry: frankaRegistry)
        let arm = try ARMPolicy(model: try ARMModel.shipped(), embodiment: env.embodiment.name, mode: env.modeName)
        let horizon = Int((env.task.timeLimit * env.controlRate).rounded())
        let runner = EpisodeRunner(environment: env, policy: arm, settings: RunnerSettings(horizon: horizon, actionSteps: 8))
        let outcomes = (0..<3).map { runner.run(seed: UInt64($0), task: env.task.stages.map(\.name)).outcome }
        #expect(outcomes == [.success, .success, .success])
    }
}
