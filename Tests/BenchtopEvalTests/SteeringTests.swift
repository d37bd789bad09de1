import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopScene
import Foundation
import Testing

/// Steering the built-in policy with a drawn trace, and trace perturbations reaching it through `TraceFollowing`.
@Suite(.serialized) struct SteeringTests {
    final class Path: EpisodeSubscriber {
        var tcp: [SIMD3<Double>] = []
        func episodeDidReset(seed: UInt64, observation: Observation) { tcp = [] }
        func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
            tcp.append(info.endEffector)
        }
        func episodeDidEnd(_ result: EpisodeResult) {}
    }

    func environment() throws -> TabletopEnvironment {
        try TabletopEnvironment(
            scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"),
            registry: ReferencePolicyTests.registry, controlRate: 15)
    }

    @Test func aTraceDrawnLeftOfTheCubeMovesTheGripperThere() throws {
        let env = try environment()
        _ = try env.reset(seed: 0)
        let camera = try env.primaryPinhole()
        let cube = try #require(env.world.bodyID(named: "cube"))
        let cubeAt = env.world.snapshot().bodies[cube].pose.position
        let scale = 256 / Double(camera.width)
        let cubePixel = try #require(camera.project(cubeAt)?.pixel) * scale
        // Two points on the table to the left of the cube in the image, 30 and 55 px (of 256) away.
        let trace = [cubePixel - SIMD2(30, 0), cubePixel - SIMD2(55, -10)]
        let policy = ReferencePolicy(access: env)
        let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: 90, actionSteps: 8, stopOnSuccess: false))
        let path = Path()
        runner.subscribers.append(path)
        // `follow` is what the perturbation stage and the viewer call; it steers from the first query.
        let reset = ResetHook { policy.follow(trace: trace) }
        runner.subscribers.insert(reset, at: 0)
        _ = runner.run(seed: 0, task: env.task.stages.map(\.name))
        let lifted = policy.steeringWaypoints
        #expect(lifted.count == 2)
        for (k, w) in lifted.enumerated() {
            let closest = path.tcp.map { length($0 - w) }.min() ?? .infinity
            #expect(closest < 0.02, "waypoint \(k) at \(w): the TCP came within \(closest) m")
            // Left in the image: the lifted point projects to the left of the cube.
            #expect(try #require(camera.project(w - SIMD3(0, 0, policy.steeringHover))?.pixel.x) * scale < cubePixel.x - 20)
            // It was lifted to the table surface (plus the hover height).
            #expect(abs(w.z - policy.steeringHover - 0.75) < 0.01)
        }
    }

    /// Calls `action` at every reset (after the environment is rebuilt, before the first query).
    final class ResetHook: EpisodeSubscriber {
        let action: () -> Void
        init(_ action: @escaping () -> Void) { self.action = action }
        func episodeDidReset(seed: UInt64, observation: Observation) { action() }
        func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {}
        func episodeDidEnd(_ result: EpisodeResult) {}
    }

    @Test func aTracePerturbationIsShownAndFollowedFromTheNextQuery() throws {
        let env = try environment()
        let policy = ReferencePolicy(access: env)
        let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: 16, actionSteps: 8))
        let stage = PerturbationStage(
            Perturbation(name: "off", trace: TracePerturbation(offset: SIMD2(0, 12))), seed: 0, grippers: env.gripperChannels)
        try stage.attach(to: runner, environment: env)
        final class Traces: EpisodeSubscriber {
            var traces: [[SIMD2<Double>]] = []
            func episodeDidReset(seed: UInt64, observation: Observation) {}
            func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
                if let t = reasoning?.traces.first { traces.append(t) }
            }
            func episodeDidEnd(_ result: EpisodeResult) {}
        }
        let seen = Traces()
        runner.subscribers.append(seen)
        _ = runner.run(seed: 2, task: [])
        #expect(stage.events.count == 1 && stage.events[0].kind == "trace")
        #expect(policy.steeringWaypoints.count == seen.traces[0].count)
        #expect(seen.traces.count == 2)
    }
}
