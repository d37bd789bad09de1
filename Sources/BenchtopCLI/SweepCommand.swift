import ArgumentParser
import BenchtopBuilder
import BenchtopEval
import BenchtopRemote
import BenchtopScene
import BenchtopVariation
import EmbodimentKit
import Foundation

/// `benchtop eval --sweep spec.yaml [--shard k/n] [--workers N]`: a variation sweep, run by worker processes
/// (each a `benchtop eval --sweep` child on a sub-shard) and merged in canonical order.
struct SweepOptions: ParsableArguments {
    @Option(help: "Run the variation sweep described by this YAML spec instead of a single evaluation.")
    var sweep: String?

    @Option(help: "With --sweep: run only shard k of n (k/n), to split a sweep across machines; merge with `benchtop report merge`.")
    var shard: String?

    @Option(help: "With --sweep: worker processes (default: one per core).")
    var workers: Int?
}

enum SweepCLI {
    static func run(
        specPath: String, spec: SweepSpec, shardText: String?, workers requested: Int?, out: String, embodimentPath: String?,
        policyOptions: PolicyOptions
    ) throws {
        let shard: Shard
        do { shard = try shardText.map(Shard.init(parsing:)) ?? .whole } catch let e as VariationError { throw BenchtopError(e.description) }
        let units = spec.units.indices.filter { shard.contains(unitIndex: $0) }.count
        let workers = max(1, min(requested ?? ProcessInfo.processInfo.activeProcessorCount, units))
        let results: SweepResults
        if workers > 1 {
            results = try runWorkers(
                specPath: specPath, spec: spec, shard: shard, workers: workers, out: out, embodimentPath: embodimentPath,
                policyOptions: policyOptions)
        } else {
            let runner: SweepRunner
            do {
                runner = try EvaluationBuilder.sweepRunner(
                    spec: spec, scene: try loadScene(try spec.scenePath(specFile: specPath)),
                    options: policyOptions)
            } catch let e as EmbodimentError { throw BenchtopError(e.description) } catch let e as PolicySpecError {
                throw BenchtopError(e.message)
            } catch let e as VariationError { throw BenchtopError(e.description) }
            runner.outputDirectory = out
            let bar = ProgressBar(total: units, label: "sweep \(spec.scene) shard \(shard)")
            runner.progress = { done, _ in bar.update(done, note: "") }
            do { results = try runner.run(shard: shard) } catch let e as VariationError { throw BenchtopError(e.description) }
            bar.finish()
        }
        try write(results, spec: spec, to: out)
    }

    static func write(_ results: SweepResults, spec: SweepSpec, to out: String) throws {
        let notes = spec.policy == "builtin" ? [SweepReport.privilegedPolicyNote] : []
        let report = SweepReport(
            results: results,
            title: "Variation sweep: \(spec.scene), policy \(spec.policy)"
                + (results.shard.map { " (shard \($0))" } ?? ""), notes: notes)
        try report.write(to: out)
        for c in report.cellSummaries {
            let s = c.summary
            print(
                c.id.padding(toLength: max(18, c.id.count), withPad: " ", startingAt: 0)
                    + String(
                        format: " success %d/%d = %5.1f%% [%4.1f-%5.1f%%]  progression %.2f", s.successes, s.episodes,
                        s.successRate * 100, s.successInterval.lowerBound * 100, s.successInterval.upperBound * 100, s.meanProgression))
        }
        print("wrote \(out)/results.json, \(out)/cells.csv, \(out)/report.html")
    }

    /// Spawns one `benchtop eval --sweep` child per sub-shard, waits for all, and merges their results.
    static func runWorkers(
        specPath: String, spec: SweepSpec, shard: Shard, workers: Int, out: String, embodimentPath: String?,
        policyOptions: PolicyOptions
    ) throws -> SweepResults {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let workDir = "\(out)/.workers"
        try? FileManager.default.removeItem(atPath: workDir)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        var children: [(Process, String, Shard)] = []
        for (j, sub) in shard.split(workers).enumerated() {
            let dir = "\(workDir)/\(j)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments =
                ["eval", "--sweep", specPath, "--shard", sub.description, "--workers", "1", "--out", dir]
                + (embodimentPath.map { ["--embodiment-path", $0] } ?? [])
                + (policyOptions.normStats.map { ["--norm-stats", $0] } ?? []) + (policyOptions.unnormKey.map { ["--unnorm-key", $0] } ?? [])
            FileManager.default.createFile(atPath: "\(dir).log", contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir).log"))
            p.standardOutput = log
            p.standardError = log
            try p.run()
            children.append((p, dir, sub))
        }
        print(
            "sweep \(spec.scene): \(spec.cells.count) cells x \(spec.episodes) episodes, shard \(shard), \(workers) worker processes (logs in \(workDir))"
        )
        var parts: [SweepResults] = []
        var failures: [String] = []
        for (p, dir, sub) in children {
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                let log = (try? String(contentsOfFile: "\(dir).log", encoding: .utf8)) ?? ""
                failures.append(
                    "worker \(sub) exited with status \(p.terminationStatus): \(log.split(separator: "\n").suffix(3).joined(separator: " / "))")
                continue
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/results.json"))
            parts.append(try SweepResults.decode(data, file: "\(dir)/results.json"))
            try copyPictures(from: dir, to: out)
        }
        guard failures.isEmpty else { throw BenchtopError(failures.joined(separator: "\n")) }
        var merged: SweepResults
        do { merged = try SweepResults.merge(parts, requireComplete: shard == .whole) } catch let e as VariationError {
            throw BenchtopError(e.description)
        }
        merged.shard = shard == .whole ? nil : shard.description
        try? FileManager.default.removeItem(atPath: workDir)
        return merged
    }

    static func copyPictures(from dir: String, to out: String) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: "\(dir)/pictures") else { return }
        try fm.createDirectory(atPath: "\(out)/pictures", withIntermediateDirectories: true)
        for n in names.sorted() {
            let dest = "\(out)/pictures/\(n)"
            try? fm.removeItem(atPath: dest)
            try fm.copyItem(atPath: "\(dir)/pictures/\(n)", toPath: dest)
        }
    }
}

/// `benchtop report merge DIR... --out DIR`: merges the results of sweep shards into one report.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Work with evaluation reports.", subcommands: [Merge.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge sweep shards (directories with results.json) into one report.")

        @Argument(help: "Shard output directories (or their results.json files).")
        var inputs: [String]

        @Option(help: "Output directory for the merged results.json, cells.csv, report.html and pictures.")
        var out: String

        @Flag(help: "Merge even when some units of the sweep are missing.")
        var allowPartial = false

        func run() throws {
            guard !inputs.isEmpty else { throw ValidationError("give at least one shard directory") }
            var parts: [SweepResults] = []
            for input in inputs {
                let dir = input.hasSuffix(".json") ? (input as NSString).deletingLastPathComponent : input
                let file = input.hasSuffix(".json") ? input : "\(input)/results.json"
                guard let data = FileManager.default.contents(atPath: file) else { throw BenchtopError("\(file): cannot read (no such file?)") }
                do { parts.append(try SweepResults.decode(data, file: file)) } catch let e as VariationError { throw BenchtopError(e.description) }
                try SweepCLI.copyPictures(from: dir.isEmpty ? "." : dir, to: out)
            }
            do {
                let merged = try SweepResults.merge(parts, requireComplete: !allowPartial)
                try SweepCLI.write(merged, spec: try merged.spec, to: out)
            } catch let e as VariationError { throw BenchtopError(e.description) }
        }
    }
}
