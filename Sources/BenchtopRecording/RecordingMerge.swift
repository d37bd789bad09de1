import BenchtopDataset
import EmbodimentKit
import Foundation

/// Merges shards of one `benchtop record` job (`benchtop dataset merge`): the LeRobot dataset through
/// `DatasetMerge`, then what Benchtop keeps beside it — the replay manifest and exact states (`meta/benchtop*`)
/// and the MolmoAct companion (depth PNGs, per-episode annotations, then the fine-tuning table and its statistics
/// rebuilt over every episode). Episodes keep their seeds, so the merge of shards that recorded disjoint seed
/// ranges holds the same episodes as one recording over the union of the ranges.
public enum RecordingMerge {
    /// Whether `root` is a Benchtop recording (has `meta/benchtop.json`), not only a LeRobot dataset.
    public static func isRecording(_ root: String) -> Bool {
        FileManager.default.fileExists(atPath: RecordingManifest.path(root: root))
    }

    @discardableResult
    public static func merge(_ inputs: [String], into out: String, allowsOutsideRoot: Bool = false, registry: EmbodimentRegistry = .shared) throws
        -> DatasetMergeSummary
    {
        let manifests = try inputs.map { try RecordingManifest.load(root: $0, allowsOutsideRoot: allowsOutsideRoot) }
        try requireSameRecording(manifests, inputs: inputs)
        var seenSeeds: [UInt64: String] = [:]
        for (root, m) in zip(inputs, manifests) {
            for e in m.episodes {
                if let other = seenSeeds[e.seed] {
                    throw RecordingError(
                        "\(RecordingManifest.path(root: root)): seed \(e.seed) was also recorded in \(other); shards must record disjoint seeds")
                }
                seenSeeds[e.seed] = root
            }
        }
        let companion = DemoRecorder.companionPath(root: out)
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: companion), !entries.isEmpty {
            throw RecordingError("\(companion): exists and is not empty (the merged MolmoAct companion goes there; choose a new --out)")
        }

        let summary = try DatasetMerge.merge(inputs, into: out, allowsOutsideRoot: allowsOutsideRoot)
        var merged = manifests[0]
        merged.episodes = []
        let environment = try Replayer.environment(manifest: merged, root: inputs[0], allowsOutsideRoot: allowsOutsideRoot, registry: registry)
        let camera = environment.primaryCamera
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // as DemoRecorder writes them
        for (k, (root, m)) in zip(inputs, manifests).enumerated() {
            let offset = summary.episodeOffsets[k]
            let sourceCompanion = DemoRecorder.companionPath(root: root)
            for e in m.episodes {
                let index = offset + e.index
                merged.episodes.append(.init(index: index, seed: e.seed, length: e.length, success: e.success))
                try copyFile(RecordingManifest.statesPath(root: root, episode: e.index), to: RecordingManifest.statesPath(root: out, episode: index))

                let annotationPath = EpisodeAnnotation.path(companion: sourceCompanion, episode: e.index)
                guard let data = FileManager.default.contents(atPath: annotationPath) else { throw RecordingError("\(annotationPath): missing") }
                var annotation: EpisodeAnnotation
                do { annotation = try JSONDecoder().decode(EpisodeAnnotation.self, from: data) } catch {
                    throw RecordingError("\(annotationPath): \(error)")
                }
                annotation.episodeIndex = index
                guard let task = summary.tasks.firstIndex(of: annotation.task) else {
                    throw RecordingError("\(annotationPath): task '\(annotation.task)' is not in the dataset's tasks")
                }
                annotation.taskIndex = task
                try atomicWrite(try encoder.encode(annotation), to: EpisodeAnnotation.path(companion: companion, episode: index))

                let depth = "/depth/\(camera)/" + String(format: "episode-%06d", e.index)
                let frames = (try? FileManager.default.contentsOfDirectory(atPath: sourceCompanion + depth)) ?? []
                for name in frames.sorted() where name.hasSuffix(".png") {
                    try copyFile(
                        sourceCompanion + depth + "/" + name,
                        to: companion + "/depth/\(camera)/" + String(format: "episode-%06d", index) + "/" + name)
                }
            }
        }
        try merged.write(root: out)
        let first = DemoRecorder.companionPath(root: inputs[0])
        try copyFile(first + "/depth_tokenizer.txt", to: companion + "/depth_tokenizer.txt")
        try MolmoActCompanion.write(
            root: out, episodes: merged.episodes.map(\.index), mode: environment.controller.mode,
            primaryCamera: camera)
        // The MolmoAct v1 export (--style molmoact) is made again from the merged recording, in the shards' layout.
        if let export = try? LeRobotDataset(root: first + "/lerobot") {
            try MolmoActV1Export.write(root: out, to: companion + "/lerobot", mode: environment.controller.mode, version: export.version)
        }
        return summary
    }

    /// Every field of the manifests but the episode list must agree: same scene text, robot, mode, rates, style.
    static func requireSameRecording(_ manifests: [RecordingManifest], inputs: [String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func settings(_ m: RecordingManifest) throws -> [String: NSObject] {
            var copy = m
            copy.episodes = []
            return (try JSONSerialization.jsonObject(with: try encoder.encode(copy)) as? [String: NSObject]) ?? [:]
        }
        let reference = try settings(manifests[0])
        for (root, m) in zip(inputs, manifests).dropFirst() {
            let fields = try settings(m)
            if let key = Set(reference.keys).union(fields.keys).sorted().first(where: { reference[$0] != fields[$0] }) {
                throw RecordingError("\(RecordingManifest.path(root: root)): \(key) differs from \(inputs[0]) (merge shards of one recording job)")
            }
        }
    }

    static func copyFile(_ source: String, to destination: String) throws {
        guard let data = FileManager.default.contents(atPath: source) else { throw RecordingError("\(source): missing") }
        try atomicWrite(data, to: destination)
    }
}
