import BenchtopDataset
import BenchtopTestSupport
import Foundation
import Testing

/// `benchtop dataset merge` through the real binary: shards recorded over consecutive seed ranges merge into the
/// recording of the whole range, file for file.
@Suite(.serialized) struct DatasetMergeTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return "."
    }()

    /// Runs `benchtop ARGS` in the repository root; returns (status, output).
    @discardableResult
    func benchtop(_ args: [String], expectSuccess: Bool = true) throws -> (Int32, String) {
        let r = try ChildProcess.run(try benchtopExecutable(), args, directory: Self.repository, interleaved: true)
        if expectSuccess { #expect(r.status == 0 && !r.timedOut, "benchtop \(args.joined(separator: " ")): \(r.output)") }
        return (r.status, r.output)
    }

    /// A short scripted recording of seeds [seed, seed + attempts) (1 s episodes, 64 px cameras, failures kept).
    func record(seed: Int, attempts: Int, format: String, style: String = "molmoact2", out: String) throws {
        try benchtop([
            "record", "pick_cube", "--robot", "franka", "--seed", "\(seed)", "--attempts", "\(attempts)", "--keep-failures",
            "--episode-time", "1", "--image-size", "64", "--format", format, "--style", style, "--out", out,
        ])
    }

    /// Relative paths of the regular files under `root` (sorted).
    func files(_ root: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: root)
        var out: [String] = []
        while let rel = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(rel) }
        }
        return out.sorted()
    }

    /// v3.0 with LeRobot columns, and v2.1 with --style molmoact (whose companion holds the MolmoAct v1 export).
    @Test(arguments: [("v3.0", "molmoact2"), ("v2.1", "molmoact")])
    func shardsMergeIntoTheSingleRecording(format: String, style: String) throws {
        let dir = try temporaryDirectory("merge-\(format)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try record(seed: 0, attempts: 3, format: format, style: style, out: "\(dir)/single/demo")
        try record(seed: 0, attempts: 2, format: format, style: style, out: "\(dir)/s1/demo")
        try record(seed: 2, attempts: 1, format: format, style: style, out: "\(dir)/s2/demo")
        let (_, merged) = try benchtop(["dataset", "merge", "\(dir)/s1/demo", "\(dir)/s2/demo", "--out", "\(dir)/merged/demo"])
        #expect(merged.contains("3 episodes"), "\(merged)")

        // Every file of the dataset and of its MolmoAct companion is byte-identical to the single recording's.
        for suffix in ["", "_molmoact"] {
            let single = "\(dir)/single/demo\(suffix)"
            let combined = "\(dir)/merged/demo\(suffix)"
            let names = files(single)
            #expect(!names.isEmpty)
            #expect(files(combined) == names, "file lists of \(combined) and \(single) differ")
            for name in names {
                let a = FileManager.default.contents(atPath: "\(single)/\(name)")
                let b = FileManager.default.contents(atPath: "\(combined)/\(name)")
                #expect(a != nil && a == b, "\(name)\(suffix.isEmpty ? "" : " (companion)") differs from the single recording's")
            }
        }

        // The merged dataset loads (ours, videos decoded; the real LeRobot: 0.6.1 for v3.0, 0.3.3 for v2.1) and replays
        // exactly; episode 2 came from the second shard.
        let dataset = try LeRobotDataset(root: "\(dir)/merged/demo")
        #expect(dataset.episodes.count == 3)
        try dataset.validate(videos: true)
        let version = try #require(DatasetVersion(rawValue: format))
        let loaded = try LeRobotVenv.load(version, ["\(dir)/merged/demo"])["\(dir)/merged/demo"]
        #expect(loaded?.ok == true && loaded?.episodes == 3, "the real LeRobot (\(format)) does not load the merged dataset: \(loaded?.error ?? "")")
        let (_, replay) = try benchtop(["replay", "\(dir)/merged/demo", "--episode", "2"])
        #expect(replay.contains("(seed 2)") && replay.contains("first diverging step: none"), "\(replay)")
    }

    @Test func overlappingOrMismatchedShardsAreRefused() throws {
        let dir = try temporaryDirectory("merge-refused")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try record(seed: 0, attempts: 1, format: "v3.0", out: "\(dir)/a/demo")
        try record(seed: 0, attempts: 1, format: "v3.0", out: "\(dir)/b/demo")
        try record(seed: 1, attempts: 1, format: "v2.1", out: "\(dir)/c/demo")
        let (status, overlap) = try benchtop(["dataset", "merge", "\(dir)/a/demo", "\(dir)/b/demo", "--out", "\(dir)/m1"], expectSuccess: false)
        #expect(status != 0 && overlap.contains("seed 0 was also recorded in"), "\(overlap)")
        let (status2, mixed) = try benchtop(["dataset", "merge", "\(dir)/a/demo", "\(dir)/c/demo", "--out", "\(dir)/m2"], expectSuccess: false)
        #expect(status2 != 0 && mixed.contains("differs from \(dir)/a/demo"), "\(mixed)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m1/meta/info.json"))
    }
}
