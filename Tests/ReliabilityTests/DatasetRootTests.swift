import Foundation
import Testing

/// The one path rule for the files inside a dataset: the metadata's fixed files, the `data_path`/`video_path`
/// templates, meta/benchtop.json and its episode states all resolve inside the dataset folder; `..`, absolute
/// paths and symbolic links leading out are refused unless `--allow-outside-root`. The canaries outside are a file
/// with a secret and FIFOs: a FIFO blocks whoever opens it, so a run that ends did not open it.
@Suite struct DatasetRootTests {
    static let secret = "DATASET-CANARY-5e1d"

    /// A fresh synthetic dataset (one episode of 5 frames, two cameras) at `scratch/name`, and canaries beside it.
    func makeDataset(_ s: Scratch, _ version: String, name: String = "ds") throws -> String {
        let root = s.file(name)
        let run = try runBenchtop(["dataset", "write-test", "--root", root, "--episodes", "1", "--frames", "5", "--version", version], timeout: 120)
        #expect(run.verdict == .accepted, "\(run.output.suffix(300))")
        if !FileManager.default.fileExists(atPath: s.file("outside")) {
            try FileManager.default.createDirectory(atPath: s.file("outside"), withIntermediateDirectories: true)
            try s.write("outside/secret.json", "{\"\(Self.secret)\": 1}\n")
            #expect(mkfifo(s.file("outside/fifo"), 0o600) == 0)
        }
        return root
    }

    /// Replaces `relative` inside `root` by a symbolic link to `target`.
    func link(_ root: String, _ relative: String, to target: String) throws {
        try? FileManager.default.removeItem(atPath: root + "/" + relative)
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: target)
    }

    func expectRefused(_ args: [String], _ words: [String], _ label: String) throws {
        let run = try runBenchtop(args, timeout: 60)
        #expect(run.verdict == .cleanError, "\(label): \(run.verdict.rawValue): \(run.output.suffix(300))")
        #expect(!run.output.contains(Self.secret), "\(label): the canary was echoed")
        for w in words { #expect(run.output.contains(w), "\(label): expected '\(w)' in \(run.output.prefix(400))") }
    }

    @Test func linksLeadingOutOfADatasetAreNeverOpened() throws {
        let s = try Scratch("dataset-root")
        defer { s.remove() }
        let fifo = s.file("outside/fifo")
        let cases: [(version: String, file: String)] = [
            ("v3.0", "meta/info.json"), ("v3.0", "meta/tasks.parquet"), ("v3.0", "meta/episodes/chunk-000/file-000.parquet"),
            ("v3.0", "meta/stats.json"), ("v3.0", "data/chunk-000/file-000.parquet"),
            ("v3.0", "videos/observation.images.primary/chunk-000/file-000.mp4"),
            ("v2.1", "meta/tasks.jsonl"), ("v2.1", "meta/episodes.jsonl"), ("v2.1", "meta/episodes_stats.jsonl"),
            ("v2.1", "data/chunk-000/episode_000000.parquet"), ("v2.1", "videos/chunk-000/observation.images.wrist/episode_000000.mp4"),
        ]
        for (i, c) in cases.enumerated() {
            let root = try makeDataset(s, c.version, name: "ds\(i)")
            try link(root, c.file, to: fifo)
            try expectRefused(["dataset", "check", root], [c.file, "symbolic link leading outside"], "\(c.version) \(c.file)")
        }
        // A whole metadata folder linked out, and a link to a regular file with a secret.
        let meta = try makeDataset(s, "v3.0", name: "meta-linked")
        try FileManager.default.copyItem(atPath: meta + "/meta", toPath: s.file("outside/meta"))
        try link(meta, "meta", to: s.file("outside/meta"))
        try expectRefused(["dataset", "check", meta], ["meta/info.json", "symbolic link leading outside"], "meta folder")
        let secret = try makeDataset(s, "v2.1", name: "secret")
        try link(secret, "meta/info.json", to: s.file("outside/secret.json"))
        try expectRefused(["dataset", "check", secret], ["symbolic link leading outside"], "secret")
    }

    @Test func pathTemplatesMayNotLeaveTheDataset() throws {
        let s = try Scratch("dataset-templates")
        defer { s.remove() }
        for (i, (key, value)) in [
            ("data_path", "../outside/{chunk_index:03d}-{file_index:03d}.parquet"), ("data_path", "/etc/{chunk_index}.parquet"),
            ("video_path", "videos/../../outside/{video_key}-{chunk_index}-{file_index}.mp4"),
        ].enumerated() {
            let root = try makeDataset(s, "v3.0", name: "ds\(i)")
            let info = try String(contentsOfFile: root + "/meta/info.json", encoding: .utf8)
            let original =
                key == "data_path"
                ? "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
                : "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
            #expect(info.contains(original))
            try info.replacingOccurrences(of: original, with: value).write(toFile: root + "/meta/info.json", atomically: true, encoding: .utf8)
            try expectRefused(["dataset", "check", root], ["meta/info.json", key, "outside the dataset folder"], value)
        }
    }

    /// `--allow-outside-root` is the user's explicit choice: a data file kept elsewhere is then read.
    @Test func allowOutsideRootReadsALinkedDataFile() throws {
        let s = try Scratch("dataset-allow")
        defer { s.remove() }
        let root = try makeDataset(s, "v3.0")
        let data = "data/chunk-000/file-000.parquet"
        try FileManager.default.moveItem(atPath: root + "/" + data, toPath: s.file("outside/data.parquet"))
        try link(root, data, to: s.file("outside/data.parquet"))
        try expectRefused(["dataset", "check", root], [data, "symbolic link leading outside", "--allow-outside-root"], "without the flag")
        let allowed = try runBenchtop(["dataset", "check", root, "--allow-outside-root"], timeout: 60)
        #expect(allowed.verdict == .accepted, "\(allowed.output.suffix(300))")
    }

    /// A recording's own files (meta/benchtop.json, the episode states) follow the same rule in `replay`.
    @Test func replayRefusesALinkedManifest() throws {
        let s = try Scratch("dataset-replay")
        defer { s.remove() }
        let root = try makeDataset(s, "v3.0")
        try link(root, "meta/benchtop.json", to: s.file("outside/fifo"))
        try expectRefused(["replay", root], ["meta/benchtop.json", "symbolic link leading outside"], "benchtop.json")
        try link(root, "meta/benchtop.json", to: s.file("outside/secret.json"))
        try expectRefused(["replay", root], ["meta/benchtop.json", "symbolic link leading outside"], "benchtop.json secret")
    }
}
