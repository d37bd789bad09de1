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
/// Nothing of an episode is visible until `saveEpisode()` commits it. Every file is written to a hidden
/// temporary name and renamed into place, in this order (the names are the crash points of `CrashPoint`):
/// - v3.0: `videos`, `data`, `tasks` (tasks.parquet), `episodes` (meta/episodes), `stats`, `info` (info.json).
///   LeRobot's v3.0 loader takes the episode count from info.json and ignores episode rows and data past it,
///   so every prefix loads as the previous dataset; info.json is the commit point.
/// - v2.1: `videos`, `tasks` (tasks.jsonl), `episodes_stats`, `data`, `episodes` (episodes.jsonl), `stats`, `info`.
///   LeRobot 0.3.3 loads every data file and checks timestamps at the episode boundaries of episodes.jsonl,
///   so between `data` and `episodes` (two files, no atomic pair) it rejects the folder; `LeRobotDataset`
///   reports that state and `init(resuming:)` removes the uncommitted data file. Every other prefix loads.
/// Nothing is written before the first episode is saved: LeRobot cannot load a dataset without episodes.
/// `init(resuming:)` removes leftovers, completes a v3.0 commit that reached meta/episodes, and continues.
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

    /// Starts a new dataset in `root`, which must not exist or be empty. Files appear with the first saved episode.
    public init(creating root: String, schema: DatasetSchema, version: DatasetVersion = .v3_0) throws {
        try schema.validate(file: root + "/meta/info.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: root), !((try? fm.contentsOfDirectory(atPath: root))?.isEmpty ?? true) {
            throw DatasetError(file: root, "the folder exists and is not empty (resume it, or choose a new folder)")
        }
        do { try fm.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw DatasetError(file: root, "cannot create the folder: \(error)")
        }
        self.root = root
        self.schema = schema
        self.version = version
        layout = DatasetLayout(root: root, version: version, chunksSize: 1000)
        numericFeatures = schema.numericFeatures
    }

    /// Continues an existing dataset: keeps its committed episodes (completing a v3.0 commit that reached
    /// meta/episodes), deletes temporary files and files of episodes that were never committed, and rewrites
    /// the metadata to match.
    /// - Parameters:
    ///   - expected: the schema this run records. Features are compared as a set (info.json does not keep their
    ///     order) and the new episodes use this order. Required when no episode was ever committed (no
    ///     meta/info.json): the dataset then starts over in place.
    ///   - requested: the layout this run asks for; nil accepts the folder's (v3.0 for an empty folder).
    public init(resuming root: String, expecting expected: DatasetSchema? = nil, version requested: DatasetVersion? = nil) throws {
        let infoPath = root + "/meta/info.json"
        guard FileManager.default.fileExists(atPath: infoPath) else {
            guard let expected else {
                throw DatasetError(file: infoPath, "missing: no episode was ever committed, so there is nothing to resume (record anew)")
            }
            try expected.validate(file: infoPath)
            self.root = root
            schema = expected
            version = requested ?? .v3_0
            layout = DatasetLayout(root: root, version: version, chunksSize: 1000)
            numericFeatures = expected.numericFeatures
            try removeLeftovers()
            return
        }
        let dataset = try LeRobotDataset(root: root, resuming: true)
        if let requested, requested != dataset.version {
            throw DatasetError(
                file: infoPath, location: "codebase_version",
                "cannot resume: the dataset is \(dataset.version.rawValue), this run asks for \(requested.rawValue)")
        }
        self.root = root
        version = dataset.version
        layout = DatasetLayout(root: root, version: version, chunksSize: dataset.chunksSize)
        numericFeatures = dataset.numericColumnOrder
        if let expected {
            try Self.checkCompatible(dataset.schema, expected, file: infoPath)
            schema = DatasetSchema(
                fps: dataset.schema.fps, robotType: dataset.schema.robotType,
                features: expected.videoFeatures + dataset.numericColumnOrder, video: dataset.schema.video)
        } else {
            schema = dataset.schema
        }
        // The commit order writes an episode's files before its metadata: a listed episode without them was
        // changed outside the writer, and continuing would build on a dataset LeRobot cannot load.
        for e in dataset.episodes.indices {
            let files = [dataset.dataFile(episode: e)] + schema.videoFeatures.compactMap { dataset.video(episode: e, feature: $0.name)?.path }
            if let missing = files.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
                throw DatasetError(
                    file: missing,
                    "cannot resume: episode \(e) is in the metadata but this file is missing (the folder was changed outside the recorder)")
            }
        }
        episodes = dataset.episodes
        tasks = dataset.tasks
        for (i, t) in tasks.enumerated() { taskIndex[t] = i }
        frameCount = episodes.last?.datasetTo ?? 0
        try removeLeftovers()
        try writeMetadata()
    }

    /// Throws unless both schemas have the same fps and the same features (name, dtype, shape, names) in any order.
    static func checkCompatible(_ existing: DatasetSchema, _ expected: DatasetSchema, file: String) throws {
        var problems: [String] = []
        if existing.fps != expected.fps { problems.append("fps \(existing.fps), this run \(expected.fps)") }
        let have = Dictionary(existing.features.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let want = Dictionary(expected.features.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in want.keys.sorted() where have[name] == nil { problems.append("no feature \(name)") }
        for name in have.keys.sorted() where want[name] == nil { problems.append("\(name) is not recorded by this run") }
        for name in have.keys.sorted() {
            guard let a = have[name], let b = want[name], a != b else { continue }
            problems.append("\(name) is \(a.dtype.rawValue) \(a.shape) \(a.names ?? []), this run \(b.dtype.rawValue) \(b.shape) \(b.names ?? [])")
        }
        if !problems.isEmpty {
            throw DatasetError(file: file, "cannot resume: the dataset differs from this run: " + problems.joined(separator: "; "))
        }
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
            if let bad = v.first(where: { !$0.isFinite }) {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)", "\(bad) is not a finite number")
            }
        }
        for f in schema.videoFeatures {
            guard let image = frame.images[f.name] else {
                throw DatasetError(file: root, location: "frame \(open!.length), feature \(f.name)", "missing image")
            }
            guard image.width == f.shape[1], image.height == f.shape[0] else {
                throw DatasetError(
                    file: root, location: "frame \(open!.length), feature \(f.name)",
                    "image is \(image.width)x\(image.height), expected \(f.shape[1])x\(f.shape[0])")
            }
        }
        let unknown = Set(frame.values.keys).union(frame.images.keys).subtracting(schema.features.map(\.name))
        if let u = unknown.sorted().first { throw DatasetError(file: root, location: "feature \(u)", "not declared in the schema") }

        for (i, f) in schema.videoFeatures.enumerated() { try open!.workers[i].submit(frame.images[f.name]!) }
        for f in numericFeatures { open!.values[f.name]!.append(contentsOf: frame.values[f.name]!) }
        let t: Int
        if let known = taskIndex[frame.task] {
            t = known
        } else {
            t = tasks.count
            tasks.append(frame.task)
            taskIndex[frame.task] = t
        }
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
        for w in episode.workers {
            _ = try? w.waitFinished()
            try? FileManager.default.removeItem(atPath: w.path)
        }
        let used = Set(episodes.flatMap(\.tasks))
        while let last = tasks.last, !used.contains(last) {
            tasks.removeLast()
            taskIndex[last] = nil
        }
    }

    /// Commits the open episode: finishes its videos, writes its data, and updates the metadata.
    /// Returns the episode index.
    @discardableResult
    public func saveEpisode() throws -> Int {
        guard let episode = open, episode.length > 0 else {
            throw DatasetError(file: root, "saveEpisode without frames (add frames first)")
        }
        open = nil
        let n = episode.length
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
        return try commit(episode, videos: episode.workers.map { ($0.feature.name, $0.path) }, stats: stats)
    }

    /// Commits an episode whose videos are already encoded (an export of another dataset's episode): `values` of
    /// every numeric feature (frame-major), the task of every frame, and per video feature an mp4 holding exactly
    /// these frames from time 0 (copied) with its statistics. Returns the episode index.
    @discardableResult
    public func saveEpisode(values: [String: [Double]], frameTasks: [String], videos: [String: (path: String, stats: FeatureStats)]) throws -> Int {
        guard open == nil else { throw DatasetError(file: root, "an episode is open; save or discard it first") }
        let n = frameTasks.count
        guard n > 0 else { throw DatasetError(file: root, "saveEpisode without frames") }
        for f in numericFeatures {
            guard let v = values[f.name], v.count == n * f.width, v.allSatisfy(\.isFinite) else {
                throw DatasetError(
                    file: root, location: "feature \(f.name)", "expected \(n) x \(f.width) finite values, got \(values[f.name]?.count ?? 0)")
            }
        }
        var episode = OpenEpisode(values: values, workers: [])
        episode.length = n
        for task in frameTasks {
            let t: Int
            if let known = taskIndex[task] {
                t = known
            } else {
                t = tasks.count
                tasks.append(task)
                taskIndex[task] = t
            }
            if !episode.tasks.contains(task) { episode.tasks.append(task) }
            episode.taskIndices.append(Int64(t))
        }
        var files: [(String, String)] = []
        var stats: [String: FeatureStats] = [:]
        for f in schema.videoFeatures {
            guard let source = videos[f.name] else { throw DatasetError(file: root, location: "feature \(f.name)", "no video given") }
            let tmp = DatasetLayout.temporary(layout.absolute(layout.videoPath(episode: episodes.count, key: f.name)))
            try FileOps.makeDirectory(for: tmp)
            try? FileManager.default.removeItem(atPath: tmp)
            do { try FileManager.default.copyItem(atPath: source.path, toPath: tmp) } catch {
                throw DatasetError(file: source.path, "cannot copy the video: \(error)")
            }
            files.append((f.name, tmp))
            stats[f.name] = source.stats
        }
        return try commit(episode, videos: files, stats: stats)
    }

    /// Writes an episode's data file and moves everything into place in the commit order.
    private func commit(_ episode: OpenEpisode, videos: [(feature: String, path: String)], stats videoStats: [String: FeatureStats]) throws -> Int {
        let e = episodes.count
        let n = episode.length
        let from = frameCount
        var stats = videoStats

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

        // Into place in the commit order (see the type's documentation).
        for v in videos { try FileOps.rename(v.path, to: layout.absolute(layout.videoPath(episode: e, key: v.feature))) }
        CrashPoint.reached("videos", episode: e)
        episodes.append(EpisodeRecord(index: e, length: n, tasks: episode.tasks, datasetFrom: from, datasetTo: from + n, stats: stats))
        frameCount += n
        if version == .v2_1 {
            try writeTasksJSONLines()
            CrashPoint.reached("tasks", episode: e)
            try writeEpisodeStatsJSONLines()
            CrashPoint.reached("episodes_stats", episode: e)
        }
        try FileOps.rename(tmp, to: dataPath)
        CrashPoint.reached("data", episode: e)
        try writeMetadata(episode: e)
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
        for t in newTasks where taskIndex[t] == nil {
            taskIndex[t] = tasks.count
            tasks.append(t)
        }
        for r in records {
            guard r.index == episodes.count, r.datasetFrom == frameCount else {
                throw DatasetError(
                    file: root, location: "episode \(r.index)",
                    "does not continue the dataset (expected episode \(episodes.count) from frame \(frameCount))")
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
                // No committed episode: the metadata of an interrupted first commit goes too.
                if top == "meta" && episodes.isEmpty
                    && (rel == "tasks.parquet" || rel == "stats.json" || rel.hasPrefix("episodes/")
                        || rel == "tasks.jsonl" || rel.hasPrefix("episodes"))
                    && name.contains(".")
                {
                    orphan = true
                }
                if orphan {
                    do { try fm.removeItem(atPath: path) } catch { throw DatasetError(file: path, "cannot remove a leftover file: \(error)") }
                }
            }
        }
    }

    // MARK: Metadata

    /// Writes the metadata in the commit order; `episode` names the crash points (-1: a repair, no crash points).
    private func writeMetadata(episode e: Int = -1) throws {
        let global = globalStats()
        switch version {
        case .v3_0:
            try writeTasksParquet()
            CrashPoint.reached("tasks", episode: e)
            try writeEpisodesParquet()
            CrashPoint.reached("episodes", episode: e)
        case .v2_1:
            if e < 0 {
                try writeTasksJSONLines()
                try writeEpisodeStatsJSONLines()
            }
            try writeEpisodesJSONLines()  // the commit point of an episode in v2.1
            CrashPoint.reached("episodes", episode: e)
        }
        var statsJSON: [String: Any] = [:]
        for (name, s) in global { statsJSON[name] = s.jsonObject() }
        try FileOps.atomicWrite(try FileOps.json(statsJSON), to: root + "/meta/stats.json")
        CrashPoint.reached("stats", episode: e)
        try FileOps.atomicWrite(try FileOps.json(infoJSON()), to: root + "/meta/info.json")  // last: the totals
        CrashPoint.reached("info", episode: e)
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
                entry["info"] =
                    [
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
            info["data_files_size_in_mb"] = 100
            info["video_files_size_in_mb"] = 200
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
                    columns.append(
                        ParquetColumn(ParquetField(name, .int64, listDepth: 1), .int64(rows.flatMap { $0.map { Int64($0) } }), shape: .fixed([1])))
                } else if f.isVideo {
                    columns.append(ParquetColumn(ParquetField(name, .double, listDepth: 3), .double(rows.flatMap { $0 }), shape: .fixed([3, 1, 1])))
                } else if (key == "min" || key == "max") && (f.dtype == .int64 || f.dtype == .int32) {
                    columns.append(
                        ParquetColumn(ParquetField(name, .int64, listDepth: 1), .int64(rows.flatMap { $0.map { Int64($0) } }), shape: .fixed([dims])))
                } else if (key == "min" || key == "max") && f.dtype == .bool {
                    columns.append(
                        ParquetColumn(
                            ParquetField(name, .boolean, listDepth: 1), .boolean(rows.flatMap { $0.map { $0 != 0 } }), shape: .fixed([dims])))
                } else {
                    columns.append(ParquetColumn(ParquetField(name, .double, listDepth: 1), .double(rows.flatMap { $0 }), shape: .fixed([dims])))
                }
            }
        }
        columns.append(.int64("meta/episodes/chunk_index", [Int64](repeating: 0, count: eps.count)))
        columns.append(.int64("meta/episodes/file_index", [Int64](repeating: 0, count: eps.count)))
        try writeParquetAtomically(root + "/meta/episodes/chunk-000/file-000.parquet", columns)
    }

    private static func jsonLines(_ objects: [[String: Any]]) throws -> Data {
        var d = Data()
        for o in objects {
            d.append(try FileOps.json(o, pretty: false))
            d.append(0x0A)
        }
        return d
    }

    private func writeTasksJSONLines() throws {
        try FileOps.atomicWrite(
            try Self.jsonLines(tasks.enumerated().map { ["task_index": $0.offset, "task": $0.element] }),
            to: root + "/meta/tasks.jsonl")
    }

    private func writeEpisodeStatsJSONLines() throws {
        try FileOps.atomicWrite(
            try Self.jsonLines(
                episodes.map { e in
                    var stats: [String: Any] = [:]
                    for (name, s) in e.stats { stats[name] = s.jsonObject() }
                    return ["episode_index": e.index, "stats": stats]
                }), to: root + "/meta/episodes_stats.jsonl")
    }

    private func writeEpisodesJSONLines() throws {
        try FileOps.atomicWrite(
            try Self.jsonLines(episodes.map { ["episode_index": $0.index, "tasks": $0.tasks, "length": $0.length] }),
            to: root + "/meta/episodes.jsonl")
    }
}

/// Fault injection for the crash tests: with `BENCHTOP_CRASH_AT=<point>:<episode>` in the environment, the process
/// kills itself with SIGKILL right after that step of that episode's commit (a real `kill -9`, mid-commit).
public enum CrashPoint {
    private static let target = ProcessInfo.processInfo.environment["BENCHTOP_CRASH_AT"]

    public static func reached(_ point: String, episode: Int) {
        guard let target, episode >= 0, target == "\(point):\(episode)" else { return }
        kill(getpid(), SIGKILL)
    }
}
