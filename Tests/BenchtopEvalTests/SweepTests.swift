import BenchtopBuilder
import BenchtopCore
import BenchtopEval
import BenchtopExpert
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation
import FrankaEmbodiment
import Testing

/// Variation sweeps with the built-in policy: sharding and merging, and the baseline against a plain eval.
@Suite(.serialized) struct SweepTests {
    static let registry: EmbodimentRegistry = {
        let r = EmbodimentRegistry()
        try! r.register(FrankaPlugin.self)
        return r
    }()

    static let specText = """
        scene: \(repositoryRoot)/scenes/pick_cube.yaml
        policy: builtin
        control_rate: 15
        episodes: 2
        seed: 21
        pictures: false
        axes:
          distractors: [0, 3]
          physics: [2]
        """

    func runner(_ spec: SweepSpec) throws -> SweepRunner {
        try EvaluationBuilder.sweepRunner(spec: spec, scene: try SceneLoader.load(path: spec.scene), registry: Self.registry)
    }

    @Test func shardsMergeIntoTheUnshardedRunAndTheBaselineMatchesAPlainEval() throws {
        let spec = try SweepSpec.parse(Self.specText)
        #expect(spec.cells.map(\.id) == ["baseline", "distractors@3", "physics@2"])
        let whole = try runner(spec).run()
        #expect(whole.episodes.count == 6 && whole.shard == nil)
        let one = try runner(spec).run(shard: try Shard(parsing: "1/2"))
        let two = try runner(spec).run(shard: try Shard(parsing: "2/2"))
        #expect(one.episodes.count == 3 && two.episodes.count == 3)
        #expect(Set(one.episodes.map { "\($0.cell)#\($0.episode)" }).isDisjoint(with: two.episodes.map { "\($0.cell)#\($0.episode)" }))
        // Merged in either order: the same episodes, in canonical order, as the unsharded run (wall-clock latencies aside).
        for parts in [[one, two], [two, one]] {
            let merged = try SweepResults.merge(parts)
            #expect(merged.episodes.map(\.withoutTimings) == whole.episodes.map(\.withoutTimings))
            var a = merged
            var b = whole
            a.episodes = a.episodes.map(\.withoutTimings)
            b.episodes = b.episodes.map(\.withoutTimings)
            #expect(try a.encoded() == b.encoded())
        }
        // A missing shard is an error, not a silently smaller sweep.
        #expect(throws: VariationError.self) { try SweepResults.merge([one]) }
        // Results survive the JSON round trip bit for bit.
        #expect(try SweepResults.decode(try whole.encoded(), file: "x") == whole)

        // Level 0 is the closed-loop figure: same seeds, identical per-episode outcomes as `benchtop eval`.
        let env = try TabletopEnvironment(scene: try SceneLoader.load(path: spec.scene), registry: Self.registry, controlRate: 15)
        env.rendersImages = false
        let plain = EpisodeRunner(
            environment: env, policy: ReferencePolicy(access: env, chunkSize: 8, executedSteps: 8),
            settings: RunnerSettings(horizon: Int((env.task.timeLimit * env.controlRate).rounded()), actionSteps: 8))
        let baseline = whole.episodes.filter { $0.cell == "baseline" }
        for (k, record) in baseline.enumerated() {
            let r = plain.run(seed: 21 + UInt64(k), task: env.task.stages.map(\.name))
            #expect(record.seed == r.seed && record.outcome == r.outcome.label && record.success == r.successAtEnd)
            #expect(record.ticks == r.ticks && record.progression == r.progression && record.cartesianPathLength == r.cartesianPathLength)
        }
        #expect(baseline.allSatisfy { $0.success }, "the built-in policy solves pick_cube at level 0")

        // The report names every cell and the benchmark categories.
        let html = SweepReport(results: whole, title: "t", notes: [SweepReport.privilegedPolicyNote]).html()
        for needle in ["distractors@3", "physics@2", "SimplerEnv-style variant aggregation", "MolmoAct OOD categories", "in-distribution baseline"] {
            #expect(html.contains(needle), "\(needle)")
        }
    }

    @Test func badSpecsNameTheKey() throws {
        #expect(throws: VariationError.self) { try SweepSpec.parse("scene: pick_cube\naxes: {wind: [1]}\n") }
        #expect(throws: VariationError.self) { try SweepSpec.parse("scene: pick_cube\naxes: {camera: [5]}\n") }
        #expect(throws: VariationError.self) { try SweepSpec.parse("scene: pick_cube\n") }
        do { _ = try SweepSpec.parse("scene: pick_cube\nepisodes: -1\naxes: {camera: all}\n", file: "s.yaml") } catch let e as VariationError {
            #expect(e.description.contains("s.yaml") && e.description.contains("episodes"), "\(e)")
        }
        let spec = try SweepSpec.parse("scene: pick_cube\naxes: {camera: all, language: [2, 0, 2]}\n")
        #expect(spec.cells.map(\.id) == ["baseline", "camera@1", "camera@2", "camera@3", "language@2"])
        #expect(try SweepSpec.parse(spec.yaml) == spec)
        #expect(try Shard(parsing: "2/3").split(2).map(\.description) == ["2/6", "5/6"])
        #expect(throws: VariationError.self) { try Shard(parsing: "3/2") }
    }
}
