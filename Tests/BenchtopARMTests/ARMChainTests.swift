import BenchtopARM
import BenchtopCore
import BenchtopEval
import BenchtopNumerics
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopScene
import Foundation
import Testing

/// Perturbations and steering act inside the ARM's chain, and their effects propagate down it.
@Suite(.serialized) struct ARMChainTests {
    func policy() throws -> ARMPolicy {
        BLAS.setThreadCount(1)
        let p = try ARMPolicy(model: try fixtureModel(), embodiment: "franka", mode: "molmoact")
        try p.reset(instruction: "pick up the red cube", seed: 0)
        return p
    }

    @Test func aDepthCodePerturbationChangesThePredictedTrace() throws {
        let arm = try policy()
        let observation = syntheticObservation(seed: 11)
        let clean = try arm.act(on: observation)
        let cleanOutput = try #require(arm.lastOutput)
        let stage = PerturbationStage(Perturbation(name: "codes", depthTokens: DepthTokenPerturbation(randomFraction: 0.5)), seed: 3, grippers: [])
        stage.prepare(arm, query: 0, tick: 0, episodeSeed: 7)
        let edited = try arm.act(on: observation)
        let out = try #require(arm.lastOutput)
        // Perception is untouched; the trace stage saw the edited codes, and the trace and actions moved.
        #expect(out.predictedCodes == cleanOutput.predictedCodes)
        #expect(zip(out.codes, out.predictedCodes).filter { $0 != $1 }.count >= 40)
        #expect(edited.reasoning?.depthTokens == out.codes)
        #expect(out.predictedTrace != cleanOutput.predictedTrace)
        #expect(edited.actions != clean.actions)
        #expect(stage.events.map(\.kind) == ["depth_tokens"])
        // The edit applies to that query only.
        _ = try arm.act(on: observation)
        #expect(arm.lastOutput?.codes == cleanOutput.predictedCodes)
    }

    @Test func aTraceEditReachesTheActionStageOnly() throws {
        let arm = try policy()
        let observation = syntheticObservation(seed: 12)
        let clean = try arm.act(on: observation)
        let cleanOutput = try #require(arm.lastOutput)
        let stage = PerturbationStage(Perturbation(name: "offset", trace: TracePerturbation(offset: SIMD2(40, -30))), seed: 0, grippers: [])
        stage.prepare(arm, query: 0, tick: 0, episodeSeed: 0)
        let edited = try arm.act(on: observation)
        let out = try #require(arm.lastOutput)
        #expect(out.codes == cleanOutput.codes && out.predictedTrace == cleanOutput.predictedTrace)
        let expected = TracePerturbation(offset: SIMD2(40, -30)).apply(to: ARMModel.points(cleanOutput.predictedTrace))
        #expect(zip(ARMModel.points(out.trace), expected).allSatisfy { abs($0.x - $1.x) < 1e-3 && abs($0.y - $1.y) < 1e-3 })
        #expect(edited.reasoning?.traces.first == ARMModel.points(out.trace))
        #expect(edited.actions != clean.actions)
    }

    @Test func aFollowedTraceIsReanchoredAtTheGripper() throws {
        let polyline: [SIMD2<Double>] = [SIMD2(0, 0), SIMD2(100, 0), SIMD2(100, 100)]
        let rest = ARMPolicy.remainder(of: polyline, from: SIMD2(60, 10))
        #expect(rest == [SIMD2(60, 0), SIMD2(100, 0), SIMD2(100, 100)])
        #expect(ARMPolicy.remainder(of: polyline, from: SIMD2(120, 90)) == [SIMD2(100, 90), SIMD2(100, 100)])
        let arm = try policy()
        let observation = syntheticObservation(seed: 13)
        _ = try arm.act(on: observation)
        let predicted = ARMModel.points(try #require(arm.lastOutput).predictedTrace)
        let drawn: [SIMD2<Double>] = [predicted[0], SIMD2(30, 200), SIMD2(200, 220)]
        arm.follow(trace: drawn)
        let steered = try arm.act(on: observation)
        #expect(steered.reasoning?.traces.first?.last == SIMD2(200, 220))
        try arm.reset(instruction: "pick up the red cube", seed: 1)
        _ = try arm.act(on: observation)
        #expect(arm.lastOutput?.trace == arm.lastOutput?.predictedTrace)
    }

    final class Path: EpisodeSubscriber {
        var tcp: [SIMD3<Double>] = []
        func episodeDidReset(seed: UInt64, observation: Observation) { tcp = [] }
        func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
            tcp.append(info.endEffector)
        }
        func episodeDidEnd(_ result: EpisodeResult) {}
    }

    /// The executed TCP path of a short pick_cube episode, with an optional perturbation between policy and robot.
    func executedPath(_ perturbation: Perturbation?, model: ARMModel, ticks: Int) throws -> (path: [SIMD3<Double>], events: [PerturbationEvent]) {
        let env = try TabletopEnvironment(scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"), registry: frankaRegistry)
        let arm = try ARMPolicy(model: model, embodiment: env.embodiment.name, mode: env.modeName)
        let runner = EpisodeRunner(environment: env, policy: arm, settings: RunnerSettings(horizon: ticks, actionSteps: 8, stopOnSuccess: false))
        let path = Path()
        runner.subscribers.append(path)
        var stage: PerturbationStage?
        if let perturbation {
            stage = PerturbationStage(perturbation, seed: 1, grippers: env.gripperChannels)
            try stage!.attach(to: runner, environment: env)
        }
        _ = runner.run(seed: 2, task: [])
        return (path.tcp, stage?.events ?? [])
    }

    @Test func aTracePerturbationMovesTheExecutedPath() throws {
        let model = try ARMModel.shipped()
        let baseline = try executedPath(nil, model: model, ticks: 24)
        let again = try executedPath(nil, model: model, ticks: 24)
        #expect(baseline.path == again.path)
        let shifted = try executedPath(
            Perturbation(name: "offset", every: 1, trace: TracePerturbation(offset: SIMD2(0, 40))), model: model, ticks: 24)
        #expect(shifted.events.count == 3 && shifted.events.allSatisfy { $0.kind == "trace" })
        let apart = zip(baseline.path, shifted.path).map { (($0 - $1) * ($0 - $1)).sum().squareRoot() }.max() ?? 0
        #expect(apart > 0.01)
    }
}
