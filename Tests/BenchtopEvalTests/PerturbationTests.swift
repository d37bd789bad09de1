import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopPerturbation
import BenchtopPolicy
import BenchtopReasoning
import BenchtopScene
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

/// Each perturbation changes exactly what it says, and the same seed gives the same bits.
struct PerturbationTests {
    func codes() -> [Int] { (0..<100).map { ($0 * 37) % 128 } }

    @Test func traceEditsMoveScaleRotateAndReplace() {
        let t: [SIMD2<Double>] = [SIMD2(100, 100), SIMD2(150, 100), SIMD2(150, 160)]
        #expect(TracePerturbation(offset: SIMD2(10, -5)).apply(to: t) == t.map { $0 + SIMD2(10, -5) })
        let scaled = TracePerturbation(scale: 0.5).apply(to: t)
        #expect(scaled == [SIMD2(100, 100), SIMD2(125, 100), SIMD2(125, 130)])
        let turned = TracePerturbation(rotationDegrees: 90).apply(to: t)
        #expect(turned[0] == t[0] && abs(turned[1].x - 100) < 1e-9 && abs(turned[1].y - 150) < 1e-9)
        // Lengths from the pivot are kept by a rotation.
        func len(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }
        #expect(abs(len(turned[2] - turned[0]) - len(t[2] - t[0])) < 1e-9)
        let drawn: [SIMD2<Double>] = [SIMD2(10, 20), SIMD2(30, 40)]
        #expect(TracePerturbation(replacement: drawn).apply(to: t) == drawn)
        #expect(TracePerturbation(offset: SIMD2(200, 0)).apply(to: t).allSatisfy { $0.x == 255 })
    }

    @Test func depthTokenEditsChangeOnlyTheirCells() {
        var rng = SeededRandom(seed: 3)
        let original = codes()
        let masked = DepthTokenPerturbation(mask: [2, 3, 5, 4], maskCode: 7).apply(to: original, random: &rng)
        for i in 0..<100 {
            let inside = (2..<5).contains(i % 10) && i / 10 == 3
            #expect(masked[i] == (inside ? 7 : original[i]))
        }
        let shifted = DepthTokenPerturbation(shift: SIMD2(1, 0)).apply(to: original, random: &rng)
        for r in 0..<10 {
            #expect(shifted[r * 10] == original[r * 10])
            for c in 1..<10 { #expect(shifted[r * 10 + c] == original[r * 10 + c - 1]) }
        }
        var a = SeededRandom(seed: 9)
        var b = SeededRandom(seed: 9)
        var c = SeededRandom(seed: 10)
        let random = DepthTokenPerturbation(randomFraction: 0.3)
        let ra = random.apply(to: original, random: &a)
        let rb = random.apply(to: original, random: &b)
        let rc = random.apply(to: original, random: &c)
        let changed = zip(ra, original).filter { $0 != $1 }.count
        #expect(changed <= 30 && changed >= 25)
        #expect(ra == rb)
        #expect(ra != rc)
        #expect(ra.allSatisfy { (0..<128).contains($0) })
    }

    let grippers = [GripperChannel(index: 6, closedValue: 0, openValue: 1)]
    func chunk() -> [[Double]] { (0..<8).map { k in (0..<6).map { Double(k + $0) * 0.01 } + [1] } }

    @Test func actionNoiseBiasAndScaleSkipTheGripperAndAreSeeded() {
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        var x = chunk()
        var y = chunk()
        let p = ActionPerturbation(noise: [0.01])
        _ = p.apply(to: &x, previous: nil, grippers: grippers, random: &a)
        _ = p.apply(to: &y, previous: nil, grippers: grippers, random: &b)
        #expect(x == y)
        let base = chunk()
        for k in 0..<8 {
            #expect(x[k][6] == 1)
            for d in 0..<6 { #expect(x[k][d] != base[k][d]) }
        }
        var z = chunk()
        _ = ActionPerturbation(bias: [0.5], scale: [2]).apply(to: &z, previous: nil, grippers: grippers, random: &a)
        for k in 0..<8 {
            for d in 0..<6 { #expect(abs(z[k][d] - (base[k][d] * 2 + 0.5)) < 1e-12) }
            #expect(z[k][6] == 1)
        }
        var w = chunk()
        _ = ActionPerturbation(bias: [0, 0, 0.1, 0, 0, 0, 0]).apply(to: &w, previous: nil, grippers: grippers, random: &a)
        for k in 0..<8 { for d in 0..<7 { #expect(w[k][d] == base[k][d] + (d == 2 ? 0.1 : 0)) } }
        #expect(throws: PerturbationError.self) { try ActionPerturbation(noise: [1, 2]).validate(dimension: 7) }
    }

    @Test func dropDelayAndGripperFlip() {
        var rng = SeededRandom(seed: 1)
        let previous: [[Double]] = [[9, 9, 9, 9, 9, 9, 0], [8, 8, 8, 8, 8, 8, 0]]
        var x = chunk()
        let dropped = ActionPerturbation(dropProbability: 1).apply(to: &x, previous: previous, grippers: grippers, random: &rng)
        #expect(dropped.dropped && x == previous)
        var first = chunk()
        #expect(!ActionPerturbation(dropProbability: 1).apply(to: &first, previous: nil, grippers: grippers, random: &rng).dropped)
        var y = chunk()
        let delayed = ActionPerturbation(delayTicks: 3).apply(to: &y, previous: previous, grippers: grippers, random: &rng)
        #expect(delayed.delayed == 3 && y[0] == previous[0] && y[1] == previous[1] && y[2] == previous[1] && Array(y[3...]) == Array(chunk()[3...]))
        var z = chunk()
        let flipped = ActionPerturbation(gripperFlipProbability: 1).apply(to: &z, previous: previous, grippers: grippers, random: &rng)
        #expect(flipped.gripperFlipped)
        for k in 0..<8 { #expect(z[k][6] == 0 && Array(z[k][..<6]) == Array(chunk()[k][..<6])) }
        var none = chunk()
        _ = ActionPerturbation(gripperFlipProbability: 0).apply(to: &none, previous: previous, grippers: grippers, random: &rng)
        #expect(none == chunk())
    }

    func image() -> (RGBImage, DepthImage) {
        var rgb = RGBImage(width: 32, height: 32)
        for i in rgb.pixels.indices { rgb.pixels[i] = UInt8((i * 7) % 200) }
        return (rgb, DepthImage(width: 32, height: 32, values: (0..<1024).map { Float($0) / 1024 + 0.5 }))
    }

    @Test func observationEditsTouchOnlyTheImageAndAreSeeded() {
        let (rgb, depth) = image()
        let e = SeededRandom(seed: 1)
        let f = SeededRandom(seed: 2)
        var a = rgb
        var da: DepthImage? = depth
        ObservationPerturbation(occlusion: 0.25).apply(rgb: &a, depth: &da, episode: e, observation: f)
        #expect(da == depth)
        let changed = (0..<1024).filter { p in (0..<3).contains { c in a.pixels[p * 3 + c] != rgb.pixels[p * 3 + c] } }
        #expect((0..<1024).filter { a.pixels[$0 * 3] == 128 && a.pixels[$0 * 3 + 1] == 128 && a.pixels[$0 * 3 + 2] == 128 }.count >= 64)
        #expect(changed.count <= 64)
        // The patch is an 8 x 8 square.
        let xs = changed.map { $0 % 32 }
        let ys = changed.map { $0 / 32 }
        #expect(xs.max()! - xs.min()! <= 7 && ys.max()! - ys.min()! <= 7)
        var b = rgb
        var db: DepthImage? = depth
        var c = rgb
        var dc: DepthImage? = depth
        ObservationPerturbation(noise: 5, blur: 1).apply(rgb: &b, depth: &db, episode: e, observation: f)
        ObservationPerturbation(noise: 5, blur: 1).apply(rgb: &c, depth: &dc, episode: e, observation: f)
        #expect(b == c && b != rgb && db == depth)
        var j = rgb
        var dj: DepthImage? = depth
        ObservationPerturbation(jitter: 3).apply(rgb: &j, depth: &dj, episode: e, observation: f)
        // Jitter moves the depth with the image: find the shift from the depth and check the image agrees.
        let shift = (-3...3).flatMap { dx in (-3...3).map { (dx, $0) } }.first { dx, dy in
            dj!.values[16 * 32 + 16] == depth.values[(16 - dy) * 32 + 16 - dx]
        }
        #expect(shift != nil)
        if let (dx, dy) = shift { #expect(j.pixels[(16 * 32 + 16) * 3] == rgb.pixels[((16 - dy) * 32 + 16 - dx) * 3]) }
    }

    @Test func specParsesAndNamesBadFields() throws {
        let spec = try PerturbationSpec.parse(
            """
            seed: 4
            perturbations:
              - name: off
                trace: {offset: [20, 0]}
              - name: noisy
                actions: {noise: [0, 0, 0.1, 0, 0, 0, 0], drop: 0.5}
                every: 2
              - name: tokens
                depth_tokens: {mask: [0, 0, 5, 5], mask_code: 3}
              - name: cam
                observation: {blur: 2, cameras: [primary]}
            """, file: "p.yaml")
        #expect(spec.seed == 4 && spec.perturbations.map(\.name) == ["off", "noisy", "tokens", "cam"])
        #expect(spec.perturbations[0].every == 0 && spec.perturbations[0].applies(toQuery: 0) && !spec.perturbations[0].applies(toQuery: 1))
        #expect(spec.perturbations[1].applies(toQuery: 2) && !spec.perturbations[1].applies(toQuery: 3))
        #expect(spec.perturbations[2].depthTokens == DepthTokenPerturbation(mask: [0, 0, 5, 5], maskCode: 3))
        func error(_ text: String) -> String {
            do {
                _ = try PerturbationSpec.parse(text, file: "p.yaml")
                return ""
            } catch { return "\(error)" }
        }
        #expect(error("perturbations:\n  - name: a\n    trace: {ofset: [1, 2]}\n").contains("p.yaml:3: perturbations[0].trace.ofset: unknown key"))
        #expect(
            error("perturbations:\n  - name: a\n    actions: {drop: 2}\n").contains("perturbations[0].actions.drop: expected a number in 0.0 ... 1.0")
        )
        #expect(error("perturbations:\n  - name: a\n").contains("names no perturbation"))
        #expect(error("perturbations:\n  - name: baseline\n    actions: {noise: 1}\n").contains("reserved"))
        #expect(error("perturbations:\n  - name: a\n    depth_tokens: {mask: [3, 0, 2, 5]}\n").contains("mask"))
    }
}

/// The stage in closed loop with the built-in policy.
@Suite(.serialized) struct PerturbationLoopTests {
    func environment(renders: Bool = false) throws -> TabletopEnvironment {
        let env = try TabletopEnvironment(
            scene: try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml"),
            registry: ReferencePolicyTests.registry, controlRate: 15)
        env.rendersImages = renders
        return env
    }

    final class Actions: EpisodeSubscriber {
        var actions: [[Double]] = []
        var reasonings: [Reasoning] = []
        func episodeDidReset(seed: UInt64, observation: Observation) {
            actions = []
            reasonings = []
        }
        func episodeDidTick(index: Int, observation: Observation, action: [Double], reasoning: Reasoning?, info: TickInfo) {
            actions.append(action)
            if let reasoning { reasonings.append(reasoning) }
        }
        func episodeDidEnd(_ result: EpisodeResult) {}
    }

    func run(_ perturbation: Perturbation?, seed: UInt64 = 3, horizon: Int = 40, renders: Bool = false) throws
        -> (EpisodeResult, [[Double]], [PerturbationEvent], [Reasoning], ReferencePolicy)
    {
        let env = try environment(renders: renders)
        let policy = ReferencePolicy(access: env)
        let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: horizon, actionSteps: 8))
        let stage = perturbation.map { PerturbationStage($0, seed: 11, grippers: env.gripperChannels) }
        try stage?.attach(to: runner, environment: env)
        let log = Actions()
        runner.subscribers.append(log)
        let r = runner.run(seed: seed, task: env.task.stages.map(\.name))
        return (r, log.actions, stage?.events ?? [], log.reasonings, policy)
    }

    @Test func actionNoiseInTheLoopIsReproducibleAndLogged() throws {
        let p = Perturbation(name: "noise", actions: ActionPerturbation(noise: [0.002]))
        let (_, base, _, _, _) = try run(nil)
        let (_, a, eventsA, _, _) = try run(p)
        let (_, b, eventsB, _, _) = try run(p)
        #expect(a == b)
        #expect(eventsA == eventsB && eventsA.count == 5)
        #expect(a != base)
        // The gripper channel is never touched by a scalar noise.
        #expect(zip(a, base).prefix(8).allSatisfy { $0[6] == $1[6] })
        // The first chunk's noise is exactly what the stage's stream draws on top of the unperturbed actions.
        #expect(zip(a, base).prefix(8).allSatisfy { x, y in (0..<6).allSatisfy { abs(x[$0] - y[$0]) > 0 && abs(x[$0] - y[$0]) < 0.002 * 6 } })
    }

    @Test func depthTokenEditsAreShownToSubscribers() throws {
        let p = Perturbation(name: "mask", depthTokens: DepthTokenPerturbation(mask: [0, 0, 10, 2], maskCode: 5))
        let env = try environment(renders: true)
        let policy = ReferencePolicy(access: env)
        let tokenizer = try BenchtopReasoning.GridDepthQuantizer.builtIn()
        policy.depthTokenizer = { (try? tokenizer.encode($0))?.codes }
        let runner = EpisodeRunner(environment: env, policy: policy, settings: RunnerSettings(horizon: 8, actionSteps: 8))
        try PerturbationStage(p, seed: 1, grippers: env.gripperChannels).attach(to: runner, environment: env)
        let log = Actions()
        runner.subscribers.append(log)
        _ = runner.run(seed: 0, task: [])
        let codes = try #require(log.reasonings.first?.depthTokens)
        #expect(codes.prefix(20).allSatisfy { $0 == 5 })
    }
}
