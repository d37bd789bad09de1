import BenchtopCore
import Foundation

/// One committed episode, as the episode metadata records it.
public struct EpisodeRecord: Sendable, Hashable {
    public var index: Int
    public var length: Int
    /// The episode's distinct task strings, in first-seen order.
    public var tasks: [String]
    /// Global frame range [from, to).
    public var datasetFrom: Int
    public var datasetTo: Int
    /// Per-feature statistics of this episode (numeric features, defaults and videos).
    public var stats: [String: FeatureStats]
}

/// Writes a LeRobot dataset (v3.0 by default, v2.1 on request) episode by episode.
///
/// Nothing of an episode is visible until `saveEpisode()` commits it: its videos and data are written to
/// hidden temporary files, renamed into place, and then the metadata (episodes, tasks, stats, info.json)
/// is replaced through temporary files and renames. A process killed mid-episode leaves a dataset that
/// loads with its complete episodes; `init(resuming:)` removes the leftovers and continues it.
public final class LeRobotDatasetWriter {
    public let root: String
    public let schema: DatasetSchema
    public let version: DatasetVersion
    /// Parquet page compression of the data and metadata files.
    public var compression: ParquetCompression = .snappy

    public var episodeCount: Int { episodes.count }
    public private(set) var frameCount = 0
    public private(set) var episodes: [EpisodeRecord] = []
    public private(set) var tasks: [String] = []
    /// Whether frames have been added since the last save or discard.
    public var hasOpenEpisode: Bool { open != nil }

    private let layout: DatasetLayout
    private var taskIndex: [String: Int] = [:]
    /// Column order of numeric features in the data parquet files.
    private let numericFeatures: [Feature]
    private var open: OpenEpisode?

    private struct OpenEpisode {
        var length = 0
        var values: [String: [Double]]
        var taskIndices: [Int64] = []
        var tasks: [String] = []
        var workers: [CameraWorker]
    }

    /// Starts a new dataset in `root`, which must not exist or be empty.
    public init(creating root: String, schema: DatasetSchema, version: DatasetVersion = .v3_0) throws {
        try schema.validate(file: root + "/meta/info.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: root), !((try? fm.contentsOfDirectory(atPath: root))?.isEmpty ?? true) {
            throw DatasetError(file: root, "the folder exists and is not empty (resume it with LeRobotDatasetWriter(resuming:), or choose a new folder)")
        }
        self.root = root; self.schema = schema; self.version = version
        layout = DatasetLayout(root: root, version: version, chunksSize: 1000)
        numericFeatures = schema.numericFeatures
        try writeMetadata()
    }

    /// Continues an existing dataset: keeps its complete episodes, deletes temporary files and files of
    /// episodes that were never committed, and rewrites info.json and stats.json to match.
    public init(resuming root: String) throws {
        let dataset = try LeRobotDataset(root: root, requireConsistentTotals: false)
        self.root = root; schema = dataset.schema; version = dataset.version
        layout = DatasetLayout(root: root, version: version, chunksSize: dataset.chunksSize)
        numericFeatures = dataset.numericColumnOrder
        episodes = dataset.episodes
        tasks = dataset.tasks
        for (i, t) in tasks.enumerated() { taskIndex[t] = i }
        frameCount = episodes.last?.datasetTo ?? 0
        try removeLeftovers()
        try writeMetadata()
    }

    // MARK: Recording

    /// Adds the next frame of the current episode (starting one if none is open).
    public func add(_ frame: DatasetFrame) throws {
        if open == nil { try beginEpisode() }
        // Validate everything before touching the buffers, so a bad frame leaves the episode intact.
        for f in numericFeatures {
            guard let v = frame.values[f.name] else {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)", "missing value")
            }
            guard v.count == f.width else {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)", "\(v.count) values, expected \(f.width)")
            }
        }
        for f in schema.videoFeatures {
            guard let image = frame.images[f.name] else {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)", "missing image")
            }
            guard image.width == f.shape[1], image.height == f.shape[0] else {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)",
                                   "image is \(image.width)x\(image.height), expected \(f.shape[1])x\(f.shape[0])")
            }
        }
        let unknown = Set(frame.values.keys).union(frame.images.keys).subtracting(schema.features.map(\.name))
        if let u = unknown.sorted().first { throw DatasetError(file: root, location: "feature \(u)", "not declared in the schema") }

        for (i, f) in schema.videoFeatures.enumerated() { try open!.workers[i].submit(frame.images[f.name]!) }
        for f in numericFeatures { open!.values[f.name]!.append(contentsOf: frame.values[f.name]!) }
        let t: Int
        if let known = taskIndex[frame.task] { t = known } else { t = tasks.count; tasks.append(frame.task); taskIndex[frame.task] = t }
        if !open!.tasks.contains(frame.task) { open!.tasks.append(frame.task) }
        open!.taskIndices.append(Int64(t))
        open!.length += 1
    }

    private func beginEpisode() throws {
        let e = episodes.count
        var workers: [CameraWorker] = []
        for f in schema.videoFeatures {
            let final = layout.absolute(layout.videoPath(episode: e, key: f.name))
            try FileOps.makeDirectory(for: final)
            workers.append(try CameraWorker(feature: f, path: DatasetLayout.temporary(final), fps: schema.fps, settings: schema.video))
        }
        open = OpenEpisode(values: Dictionary(uniqueKeysWithValues: numericFeatures.map { ($0.name, []) }), workers: workers)
    }

    /// Drops the open episode (re-record): its temporary files are deleted and tasks it introduced are kept
    /// only if an earlier episode used them.
    public func discardEpisode() {
        guard let episode = open else { return }
        open = nil
        for w in episode.workers { _ = try? w.waitFinished(); try? FileManager.default.removeItem(atPath: w.path) }
        let used = Set(episodes.flatMap(\.tasks))
        while let last = tasks.last, !used.contains(last) { tasks.removeLast(); taskIndex[last] = nil }
    }

    /// Commits the open episode: finishes its videos, writes its data, and updates the metadata.
    /// Returns the episode index.
    @discardableResult
    public func saveEpisode() throws -> Int {
        guard let episode = open, episode.length > 0 else {
            throw DatasetError(file: root, "saveEpisode without frames (add frames first)")
        }
        open = nil
        let e = episodes.count, n = episode.length, from = frameCount
        var stats: [String: FeatureStats] = [:]

        // Videos: every worker flushes in parallel; then check the frame counts.
        for w in episode.workers { w.requestFinish() }
        var videoFailure: Error?
        for w in episode.workers {
            do {
                let (frames, s) = try w.waitFinished()
                if frames != n { throw DatasetError(file: w.path, "video has \(frames) frames, episode has \(n)") }
                stats[w.feature.name] = s
            } catch { videoFailure = videoFailure ?? error }
        }
        if let videoFailure {
            for w in episode.workers { try? FileManager.default.removeItem(atPath: w.path) }
            throw videoFailure
        }

        // Frame data: declared numeric features, then the five defaults.
        var columns: [ParquetColumn] = []
        for f in numericFeatures {
            let v = episode.values[f.name]!
            let pf = f.parquetField!
            let shape: ParquetShape = f.isList ? .fixed(f.shape) : .scalar
            let values: ParquetValues
            switch f.dtype {
            case .float32: values = .float(v.map { Float($0) })
            case .float64: values = .double(v)
            case .int64: values = .int64(v.map { Int64($0) })
            case .int32: values = .int32(v.map { Int32($0) })
            case .bool: values = .boolean(v.map { $0 != 0 })
            case .video: continue
            }
            columns.append(ParquetColumn(pf, values, shape: shape))
            // Stats of the stored values (after conversion to the declared dtype), as a reader computes them.
            let stored: [Double]
            switch values {
            case .float(let x): stored = x.map(Double.init)
            case .int64(let x): stored = x.map(Double.init)
            case .int32(let x): stored = x.map(Double.init)
            case .boolean(let x): stored = x.map { $0 ? 1 : 0 }
            default: stored = v
            }
            stats[f.name] = FeatureStats.of(stored, dims: f.width)
        }
        let fps = Float(schema.fps)
        let timestamps = (0..<n).map { Float($0) / fps }
        let frameIndex = (0..<n).map { Int64($0) }
        columns.append(.float("timestamp", timestamps))
        columns.append(.int64("frame_index", frameIndex))
        columns.append(.int64("episode_index", [Int64](repeating: Int64(e), count: n)))
        columns.append(.int64("index", (0..<n).map { Int64(from + $0) }))
        columns.append(.int64("task_index", episode.taskIndices))
        stats["timestamp"] = FeatureStats.of(timestamps.map(Double.init), dims: 1)
        stats["frame_index"] = FeatureStats.of(frameIndex.map(Double.init), dims: 1)
        stats["episode_index"] = FeatureStats.of([Double](repeating: Double(e), count: n), dims: 1)
        stats["index"] = FeatureStats.of((0..<n).map { Double(from + $0) }, dims: 1)
        stats["task_index"] = FeatureStats.of(episode.taskIndices.map(Double.init), dims: 1)

        let dataPath = layout.absolute(layout.dataPath(episode: e))
        try FileOps.makeDirectory(for: dataPath)
        let tmp = DatasetLayout.temporary(dataPath)
        let writer = try ParquetWriter(path: tmp, schema: columns.map(\.field), compression: compression)
        try writer.write(columns)
        try writer.close()

        // Into place: videos, then data, then the metadata (the commit).
        for w in episode.workers { try FileOps.rename(w.path, to: layout.absolute(layout.videoPath(episode: e, key: w.feature.name))) }
        try FileOps.rename(tmp, to: dataPath)
        episodes.append(EpisodeRecord(index: e, length: n, tasks: episode.tasks, datasetFrom: from, datasetTo: from + n, stats: stats))
        frameCount += n
        try writeMetadata()
        return e
    }

    /// Finishes the dataset: an open episode is discarded (it was never saved). The dataset on disk is
    /// complete after every `saveEpisode()`; `close()` only releases the open episode's resources.
    public func close() {
        discardEpisode()
    }

    deinit { discardEpisode() }

    // MARK: Merging (DatasetMerge.swift)

    var layoutChunksSize: Int { layout.chunksSize }

    /// Commits episodes whose data and video files a merge has already put in place; they must continue this
    /// dataset's numbering. `newTasks` are added in order (if new). The metadata is written once.
    func adoptEpisodes(_ records: [EpisodeRecord], tasks newTasks: [String]) throws {
        for t in newTasks where taskIndex[t] == nil { taskIndex[t] = tasks.count; tasks.append(t) }
        for r in records {
            guard r.index == episodes.count, r.datasetFrom == frameCount else {
                throw DatasetError(file: root, location: "episode \(r.index)", "does not continue the dataset (expected episode \(episodes.count) from frame \(frameCount))")
            }
            episodes.append(r)
            frameCount = r.datasetTo
        }
        try writeMetadata()
    }

    // MARK: Recovery

    private func removeLeftovers() throws {
        let fm = FileManager.default
        let keepData = Set(episodes.map { layout.absolute(layout.dataPath(episode: $0.index)) })
        let keepVideos = Set(episodes.flatMap { e in schema.videoFeatures.map { layout.absolute(layout.videoPath(episode: e.index, key: $0.name)) } })
        for top in ["data", "videos", "meta"] {
            guard let walker = fm.enumerator(atPath: root + "/" + top) else { continue }
            while let rel = walker.nextObject() as? String {
                let path = root + "/" + top + "/" + rel
                let name = URL(fileURLWithPath: rel).lastPathComponent
                var orphan = DatasetLayout.isTemporary(name)
                if top == "data" && name.hasSuffix(".parquet") && !keepData.contains(path) { orphan = true }
                if top == "videos" && name.hasSuffix(".mp4") && !keepVideos.contains(path) { orphan = true }
                if orphan {
                    do { try fm.removeItem(atPath: path) } catch { throw DatasetError(file: path, "cannot remove a leftover file: \(error)") }
                }
            }
        }
    }

    // MARK: Metadata

    private func writeMetadata() throws {
        let global = globalStats()
        switch version {
        case .v3_0:
            try writeTasksParquet()
            try writeEpisodesParquet()   // the commit point of an episode
        case .v2_1:
            try writeJSONLines()
        }
        var statsJSON: [String: Any] = [:]
        for (name, s) in global { statsJSON[name] = s.jsonObject() }
        try FileOps.atomicWrite(try FileOps.json(statsJSON), to: root + "/meta/stats.json")
        try FileOps.atomicWrite(try FileOps.json(infoJSON()), to: root + "/meta/info.json")   // last: the totals
    }

    func globalStats() -> [String: FeatureStats] {
        var out: [String: FeatureStats] = [:]
        for f in schema.allFeatures {
            if let s = FeatureStats.aggregate(episodes.compactMap { $0.stats[f.name] }) { out[f.name] = s }
        }
        return out
    }

    func infoJSON() -> [String: Any] {
        var features: [String: Any] = [:]
        for f in schema.allFeatures {
            var entry: [String: Any] = ["dtype": f.dtype.rawValue, "shape": f.shape, "names": f.names.map { $0 as Any } ?? NSNull()]
            if f.isVideo {
                entry["info"] = [
                    "video.height": f.shape[0], "video.width": f.shape[1], "video.codec": schema.video.codec.infoName,
                    "video.pix_fmt": "yuv420p", "video.is_depth_map": false, "video.fps": schema.fps, "video.channels": 3,
                    "has_audio": false, "video.g": schema.video.keyframeInterval, "video.crf": schema.video.crf,
                    "video.preset": schema.video.preset,
                ] as [String: Any]
            }
            features[f.name] = entry
        }
        var info: [String: Any] = [
            "codebase_version": version.rawValue, "robot_type": schema.robotType.map { $0 as Any } ?? NSNull(),
            "total_episodes": episodes.count, "total_frames": frameCount, "total_tasks": tasks.count,
            "chunks_size": layout.chunksSize, "fps": schema.fps, "splits": ["train": "0:\(episodes.count)"],
            "data_path": layout.dataPathTemplate,
            "video_path": schema.videoFeatures.isEmpty ? NSNull() : layout.videoPathTemplate as Any,
            "features": features,
        ]
        if version == .v3_0 {
            info["data_files_size_in_mb"] = 100; info["video_files_size_in_mb"] = 200
        } else {
            info["total_videos"] = episodes.count * schema.videoFeatures.count
            info["total_chunks"] = episodes.isEmpty ? 0 : layout.chunk(episodes.count - 1) + 1
        }
        return info
    }

    private func writeTasksParquet() throws {
        let pandas = """
        {"index_columns": ["task"], "column_indexes": [], "columns": [{"name": "task_index", "field_name": "task_index", "pandas_type": "int64", "numpy_type": "int64", "metadata": null}, {"name": "task", "field_name": "task", "pandas_type": "unicode", "numpy_type": "object", "metadata": null}], "creator": {"library": "benchtop", "version": "1.0"}, "pandas_version": "2.2.0"}
        """
        let columns: [ParquetColumn] = [.int64("task_index", (0..<tasks.count).map { Int64($0) }), .string("task", tasks)]
        try writeParquetAtomically(root + "/meta/tasks.parquet", columns, metadata: [("pandas", pandas)])
    }

    private func writeParquetAtomically(_ path: String, _ columns: [ParquetColumn], metadata: [(String, String)] = []) throws {
        try FileOps.makeDirectory(for: path)
        let tmp = DatasetLayout.temporary(path)
        let w = try ParquetWriter(path: tmp, schema: columns.map(\.field), compression: compression, keyValueMetadata: metadata)
        try w.write(columns)
        try w.close()
        try FileOps.rename(tmp, to: path)
    }

    private func writeEpisodesParquet() throws {
        let eps = episodes
        let ints = { (name: String, f: (EpisodeRecord) -> Int) in ParquetColumn.int64(name, eps.map { Int64(f($0)) }) }
        var columns: [ParquetColumn] = [
            ints("episode_index") { $0.index },
            ParquetColumn(ParquetField("tasks", .string, listDepth: 1), .string(eps.flatMap(\.tasks)), shape: .perRow(eps.map { [$0.tasks.count] })),
            ints("length") { $0.length },
            ints("data/chunk_index") { self.layout.chunk($0.index) }, ints("data/file_index") { self.layout.fileIndex($0.index) },
            ints("dataset_from_index") { $0.datasetFrom }, ints("dataset_to_index") { $0.datasetTo },
        ]
        for v in schema.videoFeatures {
            columns.append(ints("videos/\(v.name)/chunk_index") { self.layout.chunk($0.index) })
            columns.append(ints("videos/\(v.name)/file_index") { self.layout.fileIndex($0.index) })
            columns.append(.double("videos/\(v.name)/from_timestamp", [Double](repeating: 0, count: eps.count)))
            columns.append(.double("videos/\(v.name)/to_timestamp", eps.map { Double($0.length) / Double(schema.fps) }))
        }
        for f in schema.allFeatures where eps.allSatisfy({ $0.stats[f.name] != nil }) {
            for key in FeatureStats.keys {
                let name = "stats/\(f.name)/\(key)"
                let rows = eps.map { $0.stats[f.name]!.values(key) }
                let dims = rows.first?.count ?? (f.isVideo ? 3 : f.width)
                if key == "count" {
                    columns.append(ParquetColumn(ParquetField(name, .int64, listDepth: 1), .int64(rows.flatMap { $0.map { Int64($0) } }), shape: .fixed([1])))
                } else if f.isVideo {
                    columns.append(ParquetColumn(ParquetField(name, .double, listDepth: 3), .double(rows.flatMap { $0 }), shape: .fixed([3, 1, 1])))
                } else if (key == "min" || key == "max") && (f.dtype == .int64 || f.dtype == .int32) {
                    columns.append(ParquetColumn(ParquetField(name, .int64, listDepth: 1), .int64(rows.flatMap { $0.map { Int64($0) } }), shape: .fixed([dims])))
                } else if (key == "min" || key == "max") && f.dtype == .bool {
                    columns.append(ParquetColumn(ParquetField(name, .boolean, listDepth: 1), .boolean(rows.flatMap { $0.map { $0 != 0 } }), shape: .fixed([dims])))
                } else {
                    columns.append(ParquetColumn(ParquetField(name, .double, listDepth: 1), .double(rows.flatMap { $0 }), shape: .fixed([dims])))
                }
            }
        }
        columns.append(.int64("meta/episodes/chunk_index", [Int64](repeating: 0, count: eps.count)))
        columns.append(.int64("meta/episodes/file_index", [Int64](repeating: 0, count: eps.count)))
        try writeParquetAtomically(root + "/meta/episodes/chunk-000/file-000.parquet", columns)
    }

    private func writeJSONLines() throws {
        func lines(_ objects: [[String: Any]]) throws -> Data {
            var d = Data()
            for o in objects { d.append(try FileOps.json(o, pretty: false)); d.append(0x0A) }
            return d
        }
        try FileOps.atomicWrite(try lines(tasks.enumerated().map { ["task_index": $0.offset, "task": $0.element] }),
                                to: root + "/meta/tasks.jsonl")
        try FileOps.atomicWrite(try lines(episodes.map { e in
            var stats: [String: Any] = [:]
            for (name, s) in e.stats { stats[name] = s.jsonObject() }
            return ["episode_index": e.index, "stats": stats]
        }), to: root + "/meta/episodes_stats.jsonl")
        // Last: episodes.jsonl is the commit point of an episode in v2.1.
        try FileOps.atomicWrite(try lines(episodes.map { ["episode_index": $0.index, "tasks": $0.tasks, "length": $0.length] }),
                                to: root + "/meta/episodes.jsonl")
    }
}
