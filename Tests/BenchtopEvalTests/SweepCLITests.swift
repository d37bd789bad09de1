import BenchtopBuilder
import BenchtopEval
import BenchtopScene
import BenchtopTestSupport
import BenchtopVariation
import Foundation
import Testing

/// The worker-process sweep path and `benchtop report merge`, through the real binary: both give the in-process
/// run's episodes (wall-clock latencies aside).
@Suite struct SweepCLITests {
    static let specText = """
        scene: pick_cube
        policy: builtin
        episodes: 1
        seed: 3
        horizon: 30
        render_observations: false
        pictures: false
        axes:
          physics: [2]
        """

    /// Runs `benchtop ARGS` in the repository root; returns its output, failing on a non-zero status.
    func benchtop(_ args: [String]) throws -> String {
        let run = try BenchtopBinary.run(args, in: repositoryRoot)
        #expect(run.status == 0, "benchtop \(args.joined(separator: " ")): \(run.output)")
        return run.output
    }

    func results(_ dir: String) throws -> SweepResults {
        let file = "\(dir)/results.json"
        return try SweepResults.decode(try Data(contentsOf: URL(fileURLWithPath: file)), file: file)
    }

    @Test func workerProcessesAndMergedShardsMatchTheInProcessRun() throws {
        let dir = NSTemporaryDirectory() + "benchtop-sweep-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let specPath = "\(dir)/tiny.yaml"
        try Self.specText.write(toFile: specPath, atomically: true, encoding: .utf8)

        let spec = try SweepSpec.parse(Self.specText)
        #expect(spec.units.count == 2)
        let scene = try SceneLoader.load(path: "\(repositoryRoot)/scenes/pick_cube.yaml")
        let inProcess = try EvaluationBuilder.sweepRunner(spec: spec, scene: scene, registry: SweepTests.registry).run()

        let workers = try benchtop(["eval", "--sweep", specPath, "--workers", "2", "--out", "\(dir)/workers"])
        #expect(workers.contains("2 worker processes"))
        _ = try benchtop(["eval", "--sweep", specPath, "--shard", "1/2", "--workers", "1", "--out", "\(dir)/s1"])
        _ = try benchtop(["eval", "--sweep", specPath, "--shard", "2/2", "--workers", "1", "--out", "\(dir)/s2"])
        _ = try benchtop(["report", "merge", "\(dir)/s1", "\(dir)/s2", "--out", "\(dir)/merged"])

        let expected = inProcess.episodes.map(\.withoutTimings)
        #expect(expected.count == 2)
        for name in ["workers", "merged"] {
            let r = try results("\(dir)/\(name)")
            #expect(r.shard == nil && r.cells == inProcess.cells && r.specCanonical == inProcess.specCanonical, "\(name)")
            #expect(r.episodes.map(\.withoutTimings) == expected, "\(name) differs from the in-process run")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)/report.html"))
        }
        // Each shard holds only its own unit.
        let shard1 = try results("\(dir)/s1")
        #expect(shard1.shard == "1/2" && shard1.episodes.count == 1)
    }
}
