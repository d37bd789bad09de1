import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPolicy
import BenchtopScene
import EmbodimentKit
import FrankaEmbodiment
import Testing

/// The built-in policy on every shipped task with the Franka: a small seeded sample here (the full
/// 50 episodes per task run with `benchtop eval`, figures in the README).
@Suite(.serialized) struct ReferencePolicyTests {
    static let registry: EmbodimentRegistry = {
        let r = EmbodimentRegistry()
        try! r.register(FrankaPlugin.self)
        return r
    }()

    func environment(_ scene: String) throws -> TabletopEnvironment {
        let env = try TabletopEnvironment(scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/\(scene).yaml"),
                                          registry: Self.registry, controlRate: 15)
        env.rendersImages = false
        return env
    }

    @Test(arguments: ["pick_cube", "place_in_bowl", "stack_blocks", "push_to_target"])
    func solvesTheTask(scene: String) throws {
        let env = try environment(scene)
        let policy = ReferencePolicy(access: env)
        let runner = EpisodeRunner(environment: env, policy: policy,
                                   settings: RunnerSettings(horizon: Int(env.task.timeLimit * env.controlRate), actionSteps: 8))
        for seed: UInt64 in [11, 12] {
            let result = runner.run(seed: seed, task: env.task.stages.map(\.name))
            #expect(result.outcome == .success, "\(scene) seed \(seed): \(result.outcome), progression \(result.progression)")
        }
    }

    @Test func traceStartsAtTheGripperAndEndsOverTheGoalInImageCoordinates() throws {
        let env = try environment("pick_cube")
        let policy = ReferencePolicy(access: env)
        let observation = try env.reset(seed: 3)
        try policy.reset(instruction: env.instruction, seed: 3)
        let chunk = try policy.act(on: observation)
        let trace = try #require(chunk.reasoning?.traces.first)
        #expect((2...5).contains(trace.count))
        #expect(trace.allSatisfy { (0...255).contains($0.x) && (0...255).contains($0.y) })
        let camera = try env.primaryPinhole()
        let tcp = (env.controller.basePose * env.controller.tcpPose()).position
        let expected = try #require(camera.project(tcp)?.pixel)
        #expect(abs(trace[0].x - expected.x) <= 1 && abs(trace[0].y - expected.y) <= 1)
        #expect(chunk.actions.count == 8 && chunk.actions.allSatisfy { $0.count == 7 })
    }
}
