import BenchtopCore
import BenchtopEval
import BenchtopPhysics
import BenchtopPolicy
import BenchtopScene
import Testing

/// A joint-position environment over a real World: a two-joint arm on the table; the task is to raise the
/// first joint above 0.5 rad. Small enough to test the runner's logic on real physics.
final class TwoJointEnvironment: Environment {
    let world: World
    let actionDimension = 2
    let controlRate = 15.0
    let instruction = "raise the arm"
    init() throws {
        let link = { (name: String) in
            LinkSpec(
                name: name, inertial: Inertial(mass: 1, frame: Pose(position: SIMD3(0, 0, 0.1)), ixx: 0.01, iyy: 0.01, izz: 0.002),
                collision: [ShapePart(.capsule(radius: 0.02, halfHeight: 0.08), pose: Pose(position: SIMD3(0, 0, 0.1)))])
        }
        let spec = ArticulationSpec(
            name: "arm", base: Pose(position: SIMD3(0, 0, 0.8)),
            links: [LinkSpec(name: "base", inertial: Inertial(mass: 1, ixx: 0.01, iyy: 0.01, izz: 0.01)), link("a"), link("b")],
            joints: [
                JointSpec(name: "j1", kind: .revolute, parent: 0, child: 1, origin: .identity, axis: SIMD3(0, 1, 0), lower: -2, upper: 2, effort: 50),
                JointSpec(
                    name: "j2", kind: .revolute, parent: 1, child: 2, origin: Pose(position: SIMD3(0, 0, 0.2)), axis: SIMD3(0, 1, 0), lower: -2,
                    upper: 2, effort: 50),
            ])
        world = try World(scene: Scene(name: "runner"), articulations: [spec])
    }
    func reset(seed: UInt64) throws -> Observation {
        try world.reset()
        return try observe()
    }
    func observe() throws -> Observation {
        Observation(images: [], state: world.jointState(articulation: 0).jointPositions, instruction: instruction, time: world.time)
    }
    func step(_ action: [Double]) throws -> TickInfo {
        world.setJointTargets(articulation: 0, positions: action, positionGain: 0.02)
        try world.step(16)  // 240 Hz physics, 15 Hz control
        let q = world.jointState(articulation: 0).jointPositions
        let tip = world.snapshot().bodies[world.articulations[0].linkBodies[2]].pose.position
        return TickInfo(time: world.time, success: q[0] > 0.5, stages: [q[0] > 0.25], endEffector: tip, joints: q)
    }
}

/// Returns chunks whose action j is [k * 0.01 + j * 0.001, 0] for the k-th call; takes `latency` seconds of the
/// injected clock per call.
final class CountingPolicy: Policy {
    let name = "counting"
    var calls = 0
    var latency: Double
    var clockNow = 0.0
    var chunkLength: Int
    var failure: ((Int) -> ActionChunk?)? = nil
    init(latency: Double, chunkLength: Int = 8) {
        self.latency = latency
        self.chunkLength = chunkLength
    }
    func reset(instruction: String, seed: UInt64) throws { calls = 0 }
    func act(on observation: Observation) throws -> ActionChunk {
        calls += 1
        clockNow += latency
        if let failure, let chunk = failure(calls) { return chunk }
        return ActionChunk(actions: (0..<chunkLength).map { j in [Double(calls) * 0.01 + Double(j) * 0.001, 0] })
    }
}

final class ActionLog: EpisodeSubscriber {
    var actions: [[Double]] = []
    var ended: EpisodeResult?
    func episodeDidReset(seed: UInt64, observation: Observation) { actions = [] }
    func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) { actions.append(action) }
    func episodeDidEnd(_ result: EpisodeResult) { ended = result }
}

@Suite struct RunnerTests {
    func runner(_ policy: CountingPolicy, timing: PolicyTiming, actionSteps: Int = 4, horizon: Int = 12) throws -> (EpisodeRunner, ActionLog) {
        let r = EpisodeRunner(
            environment: try TwoJointEnvironment(), policy: policy,
            settings: RunnerSettings(horizon: horizon, actionSteps: actionSteps, timing: timing, stopOnSuccess: false))
        r.clock = { policy.clockNow }
        let log = ActionLog()
        r.subscribers = [log]
        return (r, log)
    }

    @Test func pausedModeExecutesEachChunkWithoutWaiting() throws {
        let policy = CountingPolicy(latency: 0.2)
        let (r, log) = try runner(policy, timing: .paused)
        let result = r.run(seed: 0, task: [])
        #expect(result.ticks == 12)
        #expect(log.actions.map { ($0[0] * 1000).rounded() } == [10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33])
        #expect(result.latencies.count == 3 && result.latencies.allSatisfy { abs($0 - 0.2) < 1e-12 })
    }

    @Test func realTimeModeKeepsExecutingThePreviousChunkWhileThePolicyThinks() throws {
        // 0.2 s at 15 Hz covers 3 ticks: during each later query the previous chunk goes on for 3 ticks
        // (its actions 4, 5, 6), then the new chunk starts at its action 3 (0 ... 2 are stale).
        let policy = CountingPolicy(latency: 0.2)
        let (r, log) = try runner(policy, timing: .realTime)
        let result = r.run(seed: 0, task: [])
        #expect(log.actions.map { ($0[0] * 1000).rounded() } == [10, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27])
        #expect(result.ticks == 12)
    }

    @Test func badPolicyOutputEndsTheEpisodeAndTheRunGoesOn() throws {
        let policy = CountingPolicy(latency: 0.01)
        let (r, _) = try runner(policy, timing: .paused)
        policy.failure = { call in call == 2 ? ActionChunk(actions: [[.nan, 0]]) : nil }
        let nan = r.run(seed: 0, task: [])
        #expect(nan.outcome.label == "policy_error" && nan.ticks == 4)
        if case .policyError(let m) = nan.outcome { #expect(m.contains("nan")) }
        policy.failure = { _ in ActionChunk(actions: [[0.1, 0.2, 0.3]]) }
        let shape = r.run(seed: 1, task: [])
        if case .policyError(let m) = shape.outcome { #expect(m.contains("expects 2")) } else { Issue.record("expected a policy error") }
        final class Throwing: Policy {
            let name = "throwing"
            func reset(instruction: String, seed: UInt64) throws {}
            func act(on observation: Observation) throws -> ActionChunk { throw PolicyError.server("HTTP 500") }
        }
        let thrown = EpisodeRunner(environment: try TwoJointEnvironment(), policy: Throwing(), settings: RunnerSettings(horizon: 5)).run(
            seed: 2, task: [])
        #expect(thrown.outcome == .policyError("server error: HTTP 500"))
        // A good episode afterwards still runs to the end.
        policy.failure = nil
        #expect(r.run(seed: 3, task: []).ticks == 12)
    }

    @Test func successEndsTheEpisodeAndIsMeasured() throws {
        final class Raise: Policy {
            let name = "raise"
            func reset(instruction: String, seed: UInt64) throws {}
            func act(on observation: Observation) throws -> ActionChunk { ActionChunk(actions: [[1.0, 0]]) }
        }
        let r = EpisodeRunner(environment: try TwoJointEnvironment(), policy: Raise(), settings: RunnerSettings(horizon: 60))
        let result = r.run(seed: 0, task: ["quarter"])
        #expect(result.outcome == .success && result.successAnyTime && result.progression == 1)
        #expect(result.ticks < 60 && (result.completionTime ?? 0) > 0)
        #expect(result.cartesianPathLength > 0.05)
    }
}
