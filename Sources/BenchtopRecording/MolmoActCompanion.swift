import BenchtopCore
import BenchtopDataset
import BenchtopReasoning
import EmbodimentKit
import Foundation

/// The MolmoAct fine-tuning table next to a recording (molmoact.md §11): the columns
/// `preprocess/action_reasoning_data.py` adds (`depth`, `trace`, `processed_action`, `language_instruction`),
/// computed from ground truth instead of Depth-Anything and Molmo pointing, plus `dataset_statistics.json`.
/// Written as Parquet (`datasets.load_dataset("parquet", data_files=...)` reads it).
public enum MolmoActCompanion {
    public static func dataPath(companion: String) -> String { companion + "/data/train-00000-of-00001.parquet" }
    public static func statisticsPath(companion: String) -> String { companion + "/dataset_statistics.json" }

    /// The MolmoAct action convention of a mode's action: gripper channels become `1 - aperture` (+1 = close,
    /// which the normaliser turns back into the open fraction); other channels stay in dataset units.
    static func molmoAction(_ action: [Double], mode: ControlMode) -> [Double] {
        zip(action, mode.action).map { value, channel in
            if case .gripper = channel.source { return 1 - channel.decode(value) }
            return value
        }
    }

    /// Writes the table and statistics of a recording's companion from its per-episode annotations.
    public static func write(root: String, episodes: [Int], mode: ControlMode, primaryCamera: String) throws {
        let trimmed = root.hasSuffix("/") ? String(root.dropLast()) : root
        try write(
            companion: DemoRecorder.companionPath(root: root), datasetName: (trimmed as NSString).lastPathComponent,
            episodes: episodes, mode: mode, primaryCamera: primaryCamera)
    }

    static func write(companion: String, datasetName: String, episodes: [Int], mode: ControlMode, primaryCamera: String) throws {
        let decoder = JSONDecoder()
        var annotations: [EpisodeAnnotation] = []
        for e in episodes {
            let path = EpisodeAnnotation.path(companion: companion, episode: e)
            guard FileManager.default.fileExists(atPath: path) else { throw RecordingError("\(path): missing") }
            // The companion folder is its own root: an annotation may not be a link leading out of it.
            let data = try readInside(root: companion, String(path.dropFirst(companion.count + 1)), allowsOutsideRoot: false)
            do { annotations.append(try decoder.decode(EpisodeAnnotation.self, from: data)) } catch { throw RecordingError("\(path): \(error)") }
        }
        let dimension = mode.action.count
        let mask = mode.action.map { ch -> Bool in if case .gripper = ch.source { return false } else { return true } }
        let allActions = annotations.flatMap { $0.actions.map { molmoAction($0, mode: mode) } }
        let actionStats = VectorStatistics(allActions, dimension: dimension)
        let proprio = VectorStatistics(annotations.flatMap(\.states), dimension: mode.state.count)
        let encoder = MolmoActActionEncoder(statistics: actionStats, mask: mask)

        var episodeIndex: [Int64] = []
        var frameIndex: [Int64] = []
        var index: [Int64] = []
        var taskIndex: [Int64] = []
        var instruction: [String] = []
        var depth: [String] = []
        var trace: [String] = []
        var processed: [String] = []
        var depthPath: [String] = []
        var codes: [Int32] = []
        var codeShapes: [[Int]] = []
        var global: Int64 = 0
        for a in annotations {
            let molmo = a.actions.map { molmoAction($0, mode: mode) }
            for t in a.actions.indices {
                episodeIndex.append(Int64(a.episodeIndex))
                frameIndex.append(Int64(t))
                index.append(global)
                global += 1
                taskIndex.append(Int64(a.taskIndex))
                instruction.append(a.task)
                let c = t < a.depthCodes.count ? a.depthCodes[t] : []
                depth.append((try? DepthTokens(codes: c))?.text() ?? "")
                codes.append(contentsOf: c.map(Int32.init))
                codeShapes.append([c.count])
                trace.append(TraceLabels.text(a.traces[t].map { SIMD2($0[0], $0[1]) }))
                processed.append(encoder.processedAction(episode: molmo, frame: t))
                depthPath.append(String(format: "depth/%@/episode-%06d/frame-%06d.png", primaryCamera, a.episodeIndex, t))
            }
        }
        try FileManager.default.createDirectory(atPath: companion + "/data", withIntermediateDirectories: true)
        let fields: [(ParquetField, ParquetValues, ParquetShape)] = [
            (ParquetField("episode_index", .int64), .int64(episodeIndex), .scalar),
            (ParquetField("frame_index", .int64), .int64(frameIndex), .scalar),
            (ParquetField("index", .int64), .int64(index), .scalar),
            (ParquetField("task_index", .int64), .int64(taskIndex), .scalar),
            (ParquetField("language_instruction", .string), .string(instruction), .scalar),
            (ParquetField("depth", .string), .string(depth), .scalar),
            (ParquetField("trace", .string), .string(trace), .scalar),
            (ParquetField("processed_action", .string), .string(processed), .scalar),
            (ParquetField("depth_codes", .int32, listDepth: 1), .int32(codes), .perRow(codeShapes)),
            (ParquetField("depth_path", .string), .string(depthPath), .scalar),
        ]
        // Through a temporary file: a reader (or a crash) sees the previous table or the new one.
        let path = dataPath(companion: companion)
        let tmp = companion + "/data/.train.parquet.partial"
        let writer = try ParquetWriter(path: tmp, schema: fields.map(\.0))
        if !episodeIndex.isEmpty { try writer.write(fields.map { ParquetColumn($0.0, $0.1, shape: $0.2) }) }
        try writer.close()
        guard rename(tmp, path) == 0 else { throw RecordingError("\(path): cannot move the new table into place (errno \(errno))") }

        func block(_ s: VectorStatistics, mask: [Bool]?) -> [String: Any] {
            var d: [String: Any] = ["mean": s.mean, "std": s.std, "min": s.min, "max": s.max, "q01": s.q01, "q99": s.q99]
            if let mask { d["mask"] = mask }
            return d
        }
        let statistics: [String: Any] = [
            datasetName: [
                "action": block(actionStats, mask: mask), "proprio": block(proprio, mask: nil),
                "num_transitions": allActions.count, "num_trajectories": annotations.count,
            ]
        ]
        try atomicWrite(
            try JSONSerialization.data(withJSONObject: statistics, options: [.prettyPrinted, .sortedKeys]),
            to: statisticsPath(companion: companion))
    }
}
