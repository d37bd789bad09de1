import Foundation

/// What a merge wrote.
public struct DatasetMergeSummary: Sendable, Equatable {
    public var episodes: Int
    public var frames: Int
    public var tasks: [String]
    /// For each input, the merged index of its first episode.
    public var episodeOffsets: [Int]
}

/// Merges LeRobot datasets written by Benchtop (shards of one recording) into one dataset: episodes are renumbered
/// in input order, global frame indices continue, tasks are merged in first-seen order and every data file's
/// `episode_index`, `index` and `task_index` columns are rewritten; videos are copied (an mp4 does not depend on its
/// episode's number); per-episode statistics are kept except those of the renumbered columns, which are recomputed,
/// and the global statistics are aggregated again. The metadata is written by `LeRobotDatasetWriter` itself, so a
/// merge of shards is laid out exactly as one writer would have laid out the same episodes.
///
/// Inputs must share the version, fps, robot type, features and video settings. Benchtop's layout (one data file and
/// one video per camera per episode) is required: a data file or video holding several episodes is refused.
public enum DatasetMerge {
    public static func merge(_ inputs: [String], into out: String, allowsOutsideRoot: Bool = false) throws -> DatasetMergeSummary {
        guard !inputs.isEmpty else { throw DatasetError(file: out, "nothing to merge (give at least one input dataset)") }
        let datasets = try inputs.map { try LeRobotDataset(root: $0, allowsOutsideRoot: allowsOutsideRoot) }
        let first = datasets[0]
        for (root, d) in zip(inputs, datasets).dropFirst() {
            try requireCompatible(d, root: root, with: first, firstRoot: inputs[0])
        }
        for (root, d) in zip(inputs, datasets) { try requireOneEpisodePerFile(d, root: root) }

        let writer = try LeRobotDatasetWriter(creating: out, schema: first.schema, version: first.version)
        let layout = DatasetLayout(root: out, version: first.version, chunksSize: writer.layoutChunksSize)
        var merged: [EpisodeRecord] = []
        var tasks: [String] = []
        var taskIndex: [String: Int] = [:]
        var offsets: [Int] = []
        var frames = 0
        for (root, d) in zip(inputs, datasets) {
            offsets.append(merged.count)
            // Each input's task table maps to the merged one; tasks are added in the order episodes first use them.
            var remap: [Int64: Int64] = [:]
            for (e, record) in d.episodes.enumerated() {
                let index = merged.count
                let data = try d.episode(e)
                for t in data.taskIndices where remap[t] == nil {
                    let name = d.tasks[Int(t)]
                    if taskIndex[name] == nil {
                        taskIndex[name] = tasks.count
                        tasks.append(name)
                    }
                    remap[t] = Int64(taskIndex[name]!)
                }
                let taskIndices = data.taskIndices.map { remap[$0]! }
                try rewriteDataFile(
                    d.dataFile(episode: e), to: layout.absolute(layout.dataPath(episode: index)),
                    episode: index, from: frames, taskIndices: taskIndices, compression: writer.compression)
                for f in first.schema.videoFeatures {
                    guard let source = d.video(episode: e, feature: f.name)?.path else {
                        throw DatasetError(file: root, location: "episode \(e), feature \(f.name)", "no video")
                    }
                    try copy(source, to: layout.absolute(layout.videoPath(episode: index, key: f.name)))
                }
                var stats = record.stats
                let n = record.length
                stats["episode_index"] = FeatureStats.of([Double](repeating: Double(index), count: n), dims: 1)
                stats["index"] = FeatureStats.of((0..<n).map { Double(frames + $0) }, dims: 1)
                stats["task_index"] = FeatureStats.of(taskIndices.map(Double.init), dims: 1)
                merged.append(
                    EpisodeRecord(
                        index: index, length: n, tasks: record.tasks, datasetFrom: frames, datasetTo: frames + n,
                        stats: stats))
                frames += n
            }
        }
        try writer.adoptEpisodes(merged, tasks: tasks)
        return DatasetMergeSummary(episodes: merged.count, frames: frames, tasks: tasks, episodeOffsets: offsets)
    }

    static func requireCompatible(_ d: LeRobotDataset, root: String, with first: LeRobotDataset, firstRoot: String) throws {
        let info = root + "/meta/info.json"
        guard d.version == first.version else {
            throw DatasetError(file: info, location: "codebase_version", "is \(d.version.rawValue), \(firstRoot) is \(first.version.rawValue)")
        }
        guard d.schema.fps == first.schema.fps else {
            throw DatasetError(file: info, location: "fps", "is \(d.schema.fps), \(firstRoot) has \(first.schema.fps)")
        }
        guard d.schema.robotType == first.schema.robotType else {
            throw DatasetError(
                file: info, location: "robot_type", "is \(d.schema.robotType ?? "null"), \(firstRoot) has \(first.schema.robotType ?? "null")")
        }
        guard Set(d.schema.features) == Set(first.schema.features) else {
            let a = Set(d.schema.features.map(\.name))
            let b = Set(first.schema.features.map(\.name))
            let differing =
                a.symmetricDifference(b).sorted().first
                ?? d.schema.features.first { f in !first.schema.features.contains(f) }?.name ?? "?"
            throw DatasetError(file: info, location: "features.\(differing)", "differs from \(firstRoot) (merge shards of one recording)")
        }
        guard d.schema.video == first.schema.video else {
            throw DatasetError(file: info, location: "features.*.info", "video settings differ from \(firstRoot)")
        }
    }

    /// Benchtop writes one data file and one video per camera per episode; packed files would need re-muxing.
    static func requireOneEpisodePerFile(_ d: LeRobotDataset, root: String) throws {
        var dataFiles = Set<String>()
        var videoFiles = Set<String>()
        for e in d.episodes.indices {
            let data = d.dataFile(episode: e)
            guard dataFiles.insert(data).inserted else {
                throw DatasetError(file: data, "holds several episodes; `dataset merge` merges Benchtop recordings (one data file per episode)")
            }
            for f in d.schema.videoFeatures {
                guard let v = d.video(episode: e, feature: f.name) else { continue }
                guard v.from == 0, videoFiles.insert(v.path).inserted else {
                    throw DatasetError(file: v.path, "holds several episodes; `dataset merge` merges Benchtop recordings (one video per episode)")
                }
            }
        }
    }

    /// Copies an episode's data file with its episode, global frame and task indices renumbered; every other column
    /// keeps its type, order and values.
    static func rewriteDataFile(
        _ source: String, to destination: String, episode: Int, from: Int, taskIndices: [Int64],
        compression: ParquetCompression
    ) throws {
        let file = try ParquetFile(path: source)
        var columns = try file.readAll()
        let n = file.rowCount
        guard taskIndices.count == n else { throw DatasetError(file: source, "\(n) rows, expected \(taskIndices.count)") }
        for i in columns.indices {
            switch columns[i].field.name {
            case "episode_index": columns[i].values = .int64([Int64](repeating: Int64(episode), count: n))
            case "index": columns[i].values = .int64((0..<n).map { Int64(from + $0) })
            case "task_index": columns[i].values = .int64(taskIndices)
            default: continue
            }
            columns[i].field = ParquetField(columns[i].field.name, .int64)
            columns[i].shape = .scalar
        }
        try FileOps.makeDirectory(for: destination)
        let tmp = DatasetLayout.temporary(destination)
        let writer = try ParquetWriter(path: tmp, schema: columns.map(\.field), compression: compression)
        try writer.write(columns)
        try writer.close()
        try FileOps.rename(tmp, to: destination)
    }

    static func copy(_ source: String, to destination: String) throws {
        try FileOps.makeDirectory(for: destination)
        let tmp = DatasetLayout.temporary(destination)
        try? FileManager.default.removeItem(atPath: tmp)
        do { try FileManager.default.copyItem(atPath: source, toPath: tmp) } catch {
            throw DatasetError(file: source, "cannot copy to \(destination): \(error)")
        }
        try FileOps.rename(tmp, to: destination)
    }
}
