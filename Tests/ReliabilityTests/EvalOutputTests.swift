import Foundation
import Testing

/// `eval` never loses or mixes results: a used --out is refused unless --overwrite (which empties it first),
/// writability is checked before the first episode, each episode's line lands when it ends, and SIGTERM leaves
/// a results.json with the finished episodes. Real binary, real files.
@Suite struct EvalOutputTests {
    let quick = ["eval", "pick_cube", "--no-video", "--no-panels", "--horizon", "2"]

    @Test func aUsedOutputFolderIsRefusedUnlessOverwritten() throws {
        let s = try Scratch("eval-out")
        defer { s.remove() }
        let out = s.file("out")
        let first = try runBenchtop(quick + ["--episodes", "2", "--out", out], timeout: 120)
        #expect(first.verdict == .accepted, "\(first.output.suffix(300))")
        let lines = try String(contentsOfFile: "\(out)/episodes.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        try "stale".write(toFile: "\(out)/stale-video.mp4", atomically: true, encoding: .utf8)

        let refused = try runBenchtop(quick + ["--episodes", "1", "--out", out], timeout: 120)
        #expect(refused.verdict == .cleanError && refused.output.contains("pass --overwrite"), "\(refused.output.suffix(300))")
        #expect(FileManager.default.fileExists(atPath: "\(out)/stale-video.mp4"))

        let replaced = try runBenchtop(quick + ["--episodes", "1", "--out", out, "--overwrite"], timeout: 120)
        #expect(replaced.verdict == .accepted, "\(replaced.output.suffix(300))")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/stale-video.mp4"), "--overwrite left the earlier run's files")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/results.json"))) as? [String: Any]
        #expect((json?["episodes"] as? [Any])?.count == 1)

        // A folder that holds something else is never emptied, even with --overwrite.
        let foreign = s.file("foreign")
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "keep".write(toFile: "\(foreign)/thesis.tex", atomically: true, encoding: .utf8)
        let kept = try runBenchtop(quick + ["--episodes", "1", "--out", foreign, "--overwrite"], timeout: 120)
        #expect(kept.verdict == .cleanError && kept.output.contains("not Benchtop results"), "\(kept.output.suffix(300))")
        #expect(FileManager.default.fileExists(atPath: "\(foreign)/thesis.tex"))
    }

    @Test func anUnwritableOutputFolderFailsBeforeTheFirstEpisode() throws {
        let s = try Scratch("eval-unwritable")
        defer { s.remove() }
        try "a file, not a folder".write(toFile: s.file("file"), atomically: true, encoding: .utf8)
        let run = try runBenchtop(quick + ["--episodes", "50", "--out", s.file("file/out")], timeout: 120)
        #expect(run.verdict == .cleanError && run.output.contains("not writable"), "\(run.output.suffix(300))")
        #expect(!run.output.contains("NSCocoaErrorDomain"))
        #expect(!run.output.contains("eval pick_cube ["), "episodes ran before the check: \(run.output.suffix(300))")
    }

    @Test func sigtermLeavesResultsOfTheFinishedEpisodes() throws {
        let s = try Scratch("eval-sigterm")
        defer { s.remove() }
        let out = s.file("out")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try benchtopExecutable())
        p.arguments = quick + ["--episodes", "100000", "--out", out]
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until at least three episodes have landed in the log, then stop the run.
        let log = "\(out)/episodes.jsonl"
        var waited = 0
        while waited < 12_000, ((try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 3 {
            usleep(10_000)
            waited += 1
        }
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 128 + SIGTERM)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 3)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/results.json"))) as? [String: Any]
        let episodes = json?["episodes"] as? [[String: Any]] ?? []
        #expect(episodes.count == lines.count, "results.json has \(episodes.count) episodes, the log \(lines.count)")
        #expect(episodes.map { $0["seed"] as? Int } == (0..<episodes.count).map { $0 })
        #expect((json?["title"] as? String)?.contains("SIGTERM") == true)
    }

    @Test func perturbationNamesCannotLeaveTheOutputFolder() throws {
        let s = try Scratch("eval-dotdot")
        defer { s.remove() }
        try s.write("p.yaml", "perturbations:\n  - name: '..'\n    actions: {noise: 0.001}\n")
        let run = try runBenchtop(quick + ["--episodes", "1", "--perturb", s.file("p.yaml"), "--out", s.file("a/out")], timeout: 120)
        #expect(run.verdict == .cleanError && run.output.contains("perturbations[0].name"), "\(run.output.suffix(300))")
        #expect(!FileManager.default.fileExists(atPath: s.file("a/results.json")))
    }
}
