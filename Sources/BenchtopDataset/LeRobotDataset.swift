import BenchtopCore
import Foundation

/// Frames of one episode read back from a dataset.
public struct EpisodeData: Sendable {
    public let index: Int
    public let length: Int
    /// Each numeric feature's values, frame-major (length x feature width).
    public let values: [String: [Double]]
    public let timestamps: [Float]
    public let frameIndices: [Int64]
    public let globalIndices: [Int64]
    public let taskIndices: [Int64]

    /// One frame's values of a feature.
    public func value(_ feature: String, frame: Int) -> [Double] {
        guard let v = values[feature] else { return [] }
        let w = v.count / Swift.max(length, 1)
        return Array(v[(frame * w)..<((frame + 1) * w)])
    }
}

/// A LeRobot dataset on disk (v3.0 or v2.1), read and checked: metadata at init, frames per episode.
/// Errors name the file and the field, column or byte offset that is wrong.
public struct LeRobotDataset {
    public let root: String
    public let version: DatasetVersion
    public let schema: DatasetSchema
    public let tasks: [String]
    public let episodes: [EpisodeRecord]
    /// Global statistics from meta/stats.json (empty when absent).
    public let stats: [String: FeatureStats]
    public let chunksSize: Int
    /// v3.0: rows of the episodes table beyond info.json's `total_episodes` (a commit a crash interrupted).
    /// LeRobot does not load them; `LeRobotDatasetWriter(resuming:)` completes the commit.
    public let pendingEpisodes: Int
    /// Numeric features in data-file column order.
    let numericColumnOrder: [Feature]
    private let locations: [EpisodeLocation]

    struct EpisodeLocation {
        var dataFile: String
        var videoFiles: [String: (path: String, from: Double)]
    }

    public var totalFrames: Int { episodes.last?.datasetTo ?? 0 }

    /// Reads the metadata of the dataset at `root` and fails where LeRobot fails (0.6.x for v3.0, 0.3.3 for
    /// v2.1): totals that disagree with the episode metadata, no episodes, tasks without their pandas index,
    /// path templates outside the folder, v2.1 data files that no episode lists. With `resuming`, a v3.0
    /// episode row past info.json's totals (an interrupted commit) counts as an episode.
    ///
    /// Every file is named relative to `root` (the metadata's fixed names, the `data_path`/`video_path` templates
    /// filled in) and follows the one path rule (`FileRoot`): no `..`, no absolute path and no symbolic link
    /// leading outside the folder, unless `allowsOutsideRoot` (the user's `--allow-outside-root`). A dataset is a
    /// folder people download; without the rule its metadata could make Benchtop read any file on the machine.
    public init(root: String, resuming: Bool = false, allowsOutsideRoot: Bool = false) throws {
        self.root = root
        let files: FileRoot
        do { files = try FileRoot(directory: root, allowsOutside: allowsOutsideRoot) } catch let e as FileRootError {
            throw DatasetError(file: root, "not a dataset folder: \(e.message)")
        }
        /// `relative`'s path under the root, refused when it leads outside (it may be missing: callers say so).
        func inside(_ relative: String, key: String = "") throws -> String {
            do { try files.check(relative) } catch let e as FileRootError {
                throw DatasetError(file: root + "/" + relative, location: key, e.message)
            }
            return root + "/" + relative
        }
        let infoPath = try inside("meta/info.json")
        guard FileManager.default.fileExists(atPath: infoPath) else {
            throw DatasetError(
                file: infoPath,
                "missing: not a LeRobot dataset, or a recording that never committed an episode (resume it with `benchtop record --resume`, or record anew)"
            )
        }
        let info = try Self.readJSON(infoPath)
        func key<T>(_ k: String, _ t: T.Type) throws -> T {
            guard let v = info[k] as? T else { throw DatasetError(file: infoPath, location: k, "missing or not a \(T.self)") }
            return v
        }
        let versionString = try key("codebase_version", String.self)
        guard let v = DatasetVersion(rawValue: versionString) else {
            throw DatasetError(file: infoPath, location: "codebase_version", "\"\(versionString)\" is not supported (expected \"v3.0\" or \"v2.1\")")
        }
        version = v
        let fps = try key("fps", Int.self)
        guard fps > 0 else { throw DatasetError(file: infoPath, location: "fps", "must be a positive integer") }
        chunksSize = (info["chunks_size"] as? Int) ?? 1000
        let featureJSON = try key("features", [String: Any].self)
        var features: [Feature] = []
        var codec = VideoCodec.h264
        var videoInfo: [String: Any] = [:]
        for (name, raw) in featureJSON.sorted(by: { $0.key < $1.key }) {
            let at = "features.\(name)"
            guard let f = raw as? [String: Any], let dtypeName = f["dtype"] as? String, var shape = f["shape"] as? [Int] else {
                throw DatasetError(file: infoPath, location: at, "expected {dtype, shape, names}")
            }
            guard let dtype = FeatureDType(rawValue: dtypeName) else {
                throw DatasetError(
                    file: infoPath, location: at + ".dtype",
                    "\"\(dtypeName)\" is not supported (expected float32, float64, int64, int32, bool or video)")
            }
            var names = f["names"] as? [String]
            if names == nil, let d = f["names"] as? [String: Any], let list = d.values.first as? [String] { names = list }
            if dtype == .video {
                if shape.count == 3, shape[0] == 3, shape[2] != 3 { shape = [shape[1], shape[2], shape[0]] }  // CHW -> HWC
                videoInfo = f["info"] as? [String: Any] ?? [:]
                if let c = videoInfo["video.codec"] as? String, c == "av1" || c == "libsvtav1" { codec = .av1 }
            }
            if Feature.defaultNames.contains(name) { continue }
            features.append(Feature(name, dtype, shape: shape, names: dtype == .video ? ["height", "width", "channels"] : names))
        }
        for d in Feature.defaults where featureJSON[d.name] == nil {
            throw DatasetError(file: infoPath, location: "features.\(d.name)", "default feature missing (every LeRobot dataset declares it)")
        }
        let video = VideoSettings(
            codec: codec, crf: videoInfo["video.crf"] as? Int, preset: videoInfo["video.preset"] as? String,
            keyframeInterval: videoInfo["video.g"] as? Int ?? 2)
        let robot = info["robot_type"] as? String
        let dataTemplate = try key("data_path", String.self)
        let videoTemplate = info["video_path"] as? String
        if videoTemplate == nil, let f = features.first(where: \.isVideo) {
            throw DatasetError(file: infoPath, location: "video_path", "null, but \(f.name) is a video feature")
        }
        func dataPath(chunk: Int, file: Int, episode: Int) throws -> String {
            try inside(
                try DatasetLayout.fill(
                    dataTemplate, ["chunk_index": chunk, "file_index": file, "episode_chunk": chunk, "episode_index": episode],
                    file: infoPath, key: "data_path"), key: "data_path")
        }
        func videoPath(chunk: Int, file: Int, episode: Int, key: String) throws -> String {
            try inside(
                try DatasetLayout.fill(
                    videoTemplate ?? "",
                    [
                        "chunk_index": chunk, "file_index": file, "episode_chunk": chunk,
                        "episode_index": episode, "video_key": key,
                    ],
                    file: infoPath, key: "video_path"), key: "video_path")
        }

        // Tasks.
        var tasks: [String] = []
        switch v {
        case .v3_0:
            let path = try inside("meta/tasks.parquet")
            let file = try ParquetFile(path: path)
            // LeRobot reads the task string from the pandas index (tasks.iloc[i].name): without it, tasks are row numbers.
            let pandas = file.keyValueMetadata["pandas"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            guard let indexColumns = pandas?["index_columns"] as? [String], indexColumns.count == 1,
                let taskColumn = indexColumns.first, file.schema.contains(where: { $0.name == taskColumn })
            else {
                throw DatasetError(
                    file: path, location: "pandas metadata",
                    "the task strings are not the pandas index (index_columns [\"task\"]); LeRobot would return row numbers as tasks")
            }
            guard case .string(let names) = try file.readColumn(taskColumn).values,
                case .int64(let idx) = try file.readColumn("task_index").values
            else {
                throw DatasetError(file: path, location: "column task / task_index", "expected string and int64 columns")
            }
            tasks = [String](repeating: "", count: names.count)
            for (i, t) in zip(idx, names) {
                guard i >= 0, Int(i) < names.count else { throw DatasetError(file: path, location: "column task_index", "index \(i) out of range") }
                tasks[Int(i)] = t
            }
        case .v2_1:
            let path = try inside("meta/tasks.jsonl")
            for (line, o) in try Self.readJSONLines(path).enumerated() {
                guard let i = o["task_index"] as? Int, let t = o["task"] as? String, i == line else {
                    throw DatasetError(file: path, location: "line \(line + 1)", "expected {\"task_index\": \(line), \"task\": string}")
                }
                tasks.append(t)
            }
        }
        self.tasks = tasks

        // Episodes.
        var episodes: [EpisodeRecord] = []
        var locations: [EpisodeLocation] = []
        let videoFeatures = features.filter(\.isVideo)
        switch v {
        case .v3_0:
            let dir = try inside("meta/episodes")
            let episodeFiles = try Self.glob(dir).map { try inside("meta/episodes/" + $0) }
            guard !episodeFiles.isEmpty else { throw DatasetError(file: dir, "no episode metadata files (meta/episodes/chunk-*/file-*.parquet)") }
            for path in episodeFiles {
                let file = try ParquetFile(path: path)
                func ints(_ c: String) throws -> [Int] {
                    guard case .int64(let v) = try file.readColumn(c).values else {
                        throw DatasetError(file: path, location: "column \(c)", "expected int64")
                    }
                    return v.map { Int($0) }
                }
                func doubles(_ c: String) throws -> [Double] {
                    guard case .double(let v) = try file.readColumn(c).values else {
                        throw DatasetError(file: path, location: "column \(c)", "expected double")
                    }
                    return v
                }
                let idx = try ints("episode_index")
                let from = try ints("dataset_from_index")
                let to = try ints("dataset_to_index")
                let dChunk = try ints("data/chunk_index")
                let dFile = try ints("data/file_index")
                var taskLists = [[String]](repeating: [], count: idx.count)
                if file.schema.contains(where: { $0.name == "tasks" }) {
                    let c = try file.readColumn("tasks")
                    if case .string(let all) = c.values {
                        var o = 0
                        for (r, s) in c.rowShapes.enumerated() {
                            let n = s.first ?? 0
                            taskLists[r] = Array(all[o..<(o + n)])
                            o += n
                        }
                    }
                }
                var videoCols: [String: ([Int], [Int], [Double])] = [:]
                for f in videoFeatures {
                    videoCols[f.name] = (
                        try ints("videos/\(f.name)/chunk_index"), try ints("videos/\(f.name)/file_index"),
                        try doubles("videos/\(f.name)/from_timestamp")
                    )
                }
                let perEpisodeStats = try Self.readEpisodeStats(file, features: features + Feature.defaults, rows: idx.count)
                for r in idx.indices {
                    var vids: [String: (String, Double)] = [:]
                    for f in videoFeatures {
                        let (c, fi, ft) = videoCols[f.name]!
                        vids[f.name] = (try videoPath(chunk: c[r], file: fi[r], episode: idx[r], key: f.name), ft[r])
                    }
                    episodes.append(
                        EpisodeRecord(
                            index: idx[r], length: to[r] - from[r], tasks: taskLists[r],
                            datasetFrom: from[r], datasetTo: to[r], stats: perEpisodeStats[r]))
                    locations.append(EpisodeLocation(dataFile: try dataPath(chunk: dChunk[r], file: dFile[r], episode: idx[r]), videoFiles: vids))
                }
            }
        case .v2_1:
            let path = try inside("meta/episodes.jsonl")
            let statsPath = try inside("meta/episodes_stats.jsonl")
            var statsByEpisode: [Int: [String: FeatureStats]] = [:]
            if let d = try? BoundedFile.read(statsPath, maxBytes: Self.maxMetadataBytes) {
                for line in String(decoding: d, as: UTF8.self).split(separator: "\n") {
                    guard let o = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                        case .number(let e)? = o["episode_index"]
                    else { continue }
                    statsByEpisode[Int(e)] = FeatureStats.all(exact: o["stats"])
                }
            }
            var from = 0
            for (line, o) in try Self.readJSONLines(path).enumerated() {
                guard let e = o["episode_index"] as? Int, let n = o["length"] as? Int else {
                    throw DatasetError(file: path, location: "line \(line + 1)", "expected {\"episode_index\", \"tasks\", \"length\"}")
                }
                episodes.append(
                    EpisodeRecord(
                        index: e, length: n, tasks: o["tasks"] as? [String] ?? [], datasetFrom: from,
                        datasetTo: from + n, stats: statsByEpisode[e] ?? [:]))
                var vids: [String: (String, Double)] = [:]
                let chunk = e / max(chunksSize, 1)
                for f in videoFeatures { vids[f.name] = (try videoPath(chunk: chunk, file: e, episode: e, key: f.name), 0) }
                locations.append(EpisodeLocation(dataFile: try dataPath(chunk: chunk, file: e, episode: e), videoFiles: vids))
                from += n
            }
        }
        // Episodes must be 0 ... N-1 with contiguous frame ranges.
        var expectedFrom = 0
        for (i, e) in episodes.enumerated() {
            let file = v == .v3_0 ? root + "/meta/episodes" : root + "/meta/episodes.jsonl"
            guard e.index == i else {
                throw DatasetError(file: file, location: "episode row \(i)", "episode_index is \(e.index), expected \(i) (rows in order)")
            }
            guard e.datasetFrom == expectedFrom, e.length > 0 else {
                throw DatasetError(
                    file: file, location: "episode \(i)", "frame range [\(e.datasetFrom), \(e.datasetTo)) does not continue at \(expectedFrom)")
            }
            expectedFrom = e.datasetTo
        }
        // What LeRobot loads: info.json's totals decide (a v3.0 loader ignores episode rows past total_episodes and
        // looks for missing ones on the Hub; 0.3.3 checks the files of total_episodes episodes, then loads every
        // data file and every episodes.jsonl line).
        let declaredEpisodes = info["total_episodes"] as? Int ?? -1
        let metadataFile = v == .v3_0 ? root + "/meta/episodes" : root + "/meta/episodes.jsonl"
        var pending = 0
        if v == .v3_0, declaredEpisodes >= 0, episodes.count > declaredEpisodes {
            pending = episodes.count - declaredEpisodes
            if !resuming {
                episodes.removeLast(pending)
                locations.removeLast(pending)
            }
        }
        pendingEpisodes = pending
        if !resuming {
            guard declaredEpisodes > 0 else {
                throw DatasetError(
                    file: infoPath, location: "total_episodes",
                    "\(info["total_episodes"] ?? "missing"): LeRobot cannot load a dataset without episodes")
            }
            guard v == .v2_1 ? declaredEpisodes <= episodes.count : declaredEpisodes == episodes.count else {
                throw DatasetError(
                    file: infoPath, location: "total_episodes",
                    "says \(declaredEpisodes), \(metadataFile) has \(episodes.count) (LeRobot would look for the rest on the Hub)")
            }
            let frames = episodes.last?.datasetTo ?? 0
            let declaredFrames = v == .v2_1 ? episodes.prefix(declaredEpisodes).last?.datasetTo ?? 0 : frames
            guard let totalFrames = info["total_frames"] as? Int, totalFrames == declaredFrames else {
                throw DatasetError(
                    file: infoPath, location: "total_frames", "says \(info["total_frames"] ?? "nothing"), the episode metadata has \(declaredFrames)")
            }
            guard let totalTasks = info["total_tasks"] as? Int, totalTasks > 0, totalTasks <= tasks.count else {
                throw DatasetError(
                    file: infoPath, location: "total_tasks",
                    "says \(info["total_tasks"] ?? "nothing"), the tasks file has \(tasks.count) (LeRobot loads no tasks when it is 0)")
            }
            if v == .v2_1 {
                // 0.3.3 loads every parquet file under data/ and checks timestamps across episode boundaries taken
                // from episodes.jsonl: a file no line lists (a commit cut short) fails that check.
                let listed = Set(locations.map { URL(fileURLWithPath: $0.dataFile).standardized.path })
                for file in Self.dataFiles(root + "/data") where !listed.contains(URL(fileURLWithPath: file).standardized.path) {
                    throw DatasetError(
                        file: file,
                        "no episode in meta/episodes.jsonl lists this data file (a commit cut short; `benchtop record --resume` or LeRobotDatasetWriter(resuming:) removes it); LeRobot 0.3.3 rejects the dataset"
                    )
                }
            }
        }
        self.episodes = episodes
        self.locations = locations

        // Numeric column order from the first data file (keeps resumed files identical in layout).
        var numeric = features.filter { !$0.isVideo }.sorted { $0.name < $1.name }
        if let first = locations.first, let file = try? ParquetFile(path: first.dataFile) {
            let order = file.schema.map(\.name)
            numeric.sort { (order.firstIndex(of: $0.name) ?? Int.max) < (order.firstIndex(of: $1.name) ?? Int.max) }
        }
        numericColumnOrder = numeric
        schema = DatasetSchema(fps: fps, robotType: robot, features: features.filter(\.isVideo) + numeric, video: video)
        try schema.validate(file: infoPath)

        let statsPath = try inside("meta/stats.json")
        let statsData = try? BoundedFile.read(statsPath, maxBytes: Self.maxMetadataBytes)
        stats = FeatureStats.all(exact: statsData.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) })
    }

    /// Path of an episode's video of camera `feature`, and where the episode starts in it (seconds).
    public func video(episode: Int, feature: String) -> (path: String, from: Double)? {
        guard episode >= 0, episode < locations.count else { return nil }
        return locations[episode].videoFiles[feature]
    }

    /// Path of the parquet file holding an episode's frames.
    public func dataFile(episode: Int) -> String { locations[episode].dataFile }

    /// Reads and checks an episode's frames: exactly the declared columns with the declared types,
    /// frame_index 0 ..< length, global index, timestamps k / fps (1e-4 s), task indices in range.
    public func episode(_ e: Int) throws -> EpisodeData {
        guard e >= 0, e < episodes.count else {
            throw DatasetError(file: root, location: "episode \(e)", "no such episode (dataset has \(episodes.count))")
        }
        let rec = episodes[e]
        let path = locations[e].dataFile
        let file = try ParquetFile(path: path)
        let declared = numericColumnOrder + Feature.defaults
        let columnNames = Set(file.schema.map(\.name))
        if let extra = columnNames.subtracting(declared.map(\.name)).sorted().first {
            throw DatasetError(file: path, location: "column \(extra)", "not declared in meta/info.json features")
        }
        var raw: [String: [Double]] = [:]
        var episodeRows: [Int]? = nil
        let epCol = try file.readColumn("episode_index")
        if case .int64(let ep) = epCol.values, ep.contains(where: { $0 != Int64(e) }) {
            episodeRows = ep.indices.filter { ep[$0] == Int64(e) }
        }
        for f in declared {
            guard columnNames.contains(f.name) else {
                throw DatasetError(file: path, location: "column \(f.name)", "missing (declared in meta/info.json)")
            }
            let c = try file.readColumn(f.name)
            let expected = f.parquetField!
            let compatible =
                c.field.primitive == expected.primitive || (expected.primitive == .float && c.field.primitive == .double)
                || (expected.primitive == .int64 && c.field.primitive == .int32)
            guard compatible, c.field.listDepth == expected.listDepth else {
                throw DatasetError(
                    file: path, location: "column \(f.name)",
                    "is \(c.field.arrowType), expected \(expected.arrowType) (\(f.dtype.rawValue) \(f.shape))")
            }
            if f.isList, let bad = c.rowShapes.firstIndex(where: { $0 != f.shape }) {
                throw DatasetError(file: path, location: "column \(f.name), row \(bad)", "list of \(c.rowShapes[bad]) values, expected \(f.shape)")
            }
            var values: [Double]
            switch c.values {
            case .float(let v): values = v.map(Double.init)
            case .double(let v): values = v
            case .int64(let v): values = v.map(Double.init)
            case .int32(let v): values = v.map(Double.init)
            case .boolean(let v): values = v.map { $0 ? 1 : 0 }
            case .string: values = []
            }
            if let rows = episodeRows {
                let w = f.width
                values = rows.flatMap { values[($0 * w)..<(($0 + 1) * w)] }
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw DatasetError(
                    file: path, location: "column \(f.name), row \(bad / max(f.width, 1))",
                    "\(values[bad]): not a finite number (a trainer's loss and LeRobot's statistics become NaN)")
            }
            raw[f.name] = values
        }
        let n = raw["frame_index"]!.count
        guard n == rec.length else { throw DatasetError(file: path, location: "episode \(e)", "\(n) rows, the episode metadata says \(rec.length)") }
        let fps = Double(schema.fps)
        for k in 0..<n {
            let fi = raw["frame_index"]![k]
            let gi = raw["index"]![k]
            let ts = raw["timestamp"]![k]
            let ti = raw["task_index"]![k]
            guard fi == Double(k) else { throw DatasetError(file: path, location: "column frame_index, row \(k)", "is \(Int(fi)), expected \(k)") }
            guard gi == Double(rec.datasetFrom + k) else {
                throw DatasetError(file: path, location: "column index, row \(k)", "is \(Int(gi)), expected \(rec.datasetFrom + k)")
            }
            guard abs(ts - Double(k) / fps) <= 1e-4 else {
                throw DatasetError(
                    file: path, location: "column timestamp, row \(k)", "is \(ts) s, expected \(Double(k) / fps) s (frame_index / fps)")
            }
            guard ti >= 0, Int(ti) < tasks.count else {
                throw DatasetError(file: path, location: "column task_index, row \(k)", "\(Int(ti)) is not a task (\(tasks.count) tasks)")
            }
        }
        var values: [String: [Double]] = [:]
        for f in numericColumnOrder { values[f.name] = raw[f.name] }
        return EpisodeData(
            index: e, length: n, values: values, timestamps: raw["timestamp"]!.map { Float($0) },
            frameIndices: raw["frame_index"]!.map { Int64($0) }, globalIndices: raw["index"]!.map { Int64($0) },
            taskIndices: raw["task_index"]!.map { Int64($0) })
    }

    /// Checks every episode's frames and, with `videos`, that every video holds exactly one frame at each
    /// `from + k / fps` (1e-4 s) at the declared size.
    public func validate(videos: Bool = true) throws {
        for e in episodes.indices {
            _ = try episode(e)
            guard videos else { continue }
            for f in schema.videoFeatures {
                guard let (path, from) = video(episode: e, feature: f.name) else { continue }
                guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(file: path, "video of episode \(e) is missing") }
                let info = try VideoReader.info(path: path)
                guard info.width == f.shape[1], info.height == f.shape[0] else {
                    throw DatasetError(file: path, "video is \(info.width)x\(info.height), feature \(f.name) declares \(f.shape[1])x\(f.shape[0])")
                }
                let fps = Double(schema.fps)
                for k in 0..<episodes[e].length {
                    let t = from + Double(k) / fps
                    guard info.frameTimes.contains(where: { abs($0 - t) <= 1e-4 }) else {
                        throw DatasetError(
                            file: path, location: "frame \(k)", "no frame at \(t) s (within 1e-4 s); the video has \(info.frameCount) frames")
                    }
                }
            }
        }
    }

    // MARK: Helpers

    /// Largest metadata file read (info.json, the JSON Lines tables, stats): a FIFO or /dev/zero must not hang a load.
    static let maxMetadataBytes = 1 << 30

    static func readJSON(_ path: String) throws -> [String: Any] {
        let d: Data
        do { d = try BoundedFile.read(path, maxBytes: maxMetadataBytes) } catch { throw DatasetError(file: path, "\(error)") }
        do {
            guard let o = try JSONSerialization.jsonObject(with: d) as? [String: Any] else {
                throw DatasetError(file: path, "expected a JSON object")
            }
            return o
        } catch let e as DatasetError { throw e } catch {
            throw DatasetError(file: path, "invalid JSON: \(error)")
        }
    }

    static func readJSONLines(_ path: String) throws -> [[String: Any]] {
        let d: Data
        do { d = try BoundedFile.read(path, maxBytes: maxMetadataBytes) } catch { throw DatasetError(file: path, "\(error)") }
        var out: [[String: Any]] = []
        for (i, line) in String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw DatasetError(file: path, location: "line \(i + 1)", "invalid JSON object")
            }
            out.append(o)
        }
        return out
    }

    /// Every parquet file under `dir` that `datasets.load_dataset(data_dir:)` picks up (not hidden), sorted.
    static func dataFiles(_ dir: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            let parts = rel.split(separator: "/")
            if rel.hasSuffix(".parquet"), !parts.contains(where: { $0.hasPrefix(".") || $0.hasPrefix("__") }) { out.append(dir + "/" + rel) }
        }
        return out.sorted()
    }

    /// `*/*.parquet` under `dir`, relative to it and sorted (the order LeRobot's loader globs).
    static func glob(_ dir: String) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for sub in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
            for f in ((try? fm.contentsOfDirectory(atPath: dir + "/" + sub)) ?? []).sorted() where f.hasSuffix(".parquet") && !f.hasPrefix(".") {
                out.append(sub + "/" + f)
            }
        }
        return out
    }

    static func readEpisodeStats(_ file: ParquetFile, features: [Feature], rows: Int) throws -> [[String: FeatureStats]] {
        var out = [[String: FeatureStats]](repeating: [:], count: rows)
        let names = Set(file.schema.map(\.name))
        for f in features {
            guard names.contains("stats/\(f.name)/mean") else { continue }
            var columns: [String: [[Double]]] = [:]
            for key in FeatureStats.keys where names.contains("stats/\(f.name)/\(key)") {
                let c = try file.readColumn("stats/\(f.name)/\(key)")
                let flat: [Double]
                switch c.values {
                case .double(let v): flat = v
                case .float(let v): flat = v.map(Double.init)
                case .int64(let v): flat = v.map(Double.init)
                case .int32(let v): flat = v.map(Double.init)
                case .boolean(let v): flat = v.map { $0 ? 1 : 0 }
                case .string: continue
                }
                var o = 0
                columns[key] = c.rowShapes.map { s in
                    let n = s.reduce(1, *)
                    defer { o += n }
                    return Array(flat[o..<(o + n)])
                }
            }
            for r in 0..<rows {
                guard let mn = columns["min"]?[r], let mx = columns["max"]?[r], let me = columns["mean"]?[r], let sd = columns["std"]?[r] else {
                    continue
                }
                var q: [String: [Double]] = [:]
                for (k, _) in FeatureStats.quantileLevels { if let v = columns[k]?[r] { q[k] = v } }
                out[r][f.name] = FeatureStats(
                    min: mn, max: mx, mean: me, std: sd, count: Int(columns["count"]?[r].first ?? 0),
                    quantiles: q, isImage: f.isVideo)
            }
        }
        return out
    }
}
