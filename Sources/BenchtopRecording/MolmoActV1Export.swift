import BenchtopDataset
import EmbodimentKit
import Foundation

/// The MolmoAct v1 (LIBERO-style) layout of a recording, as MolmoAct's fine-tune loader (lerobot 0.3.3) reads it:
/// `image` (primary) and `wrist_image` cameras, the end-effector `observation.state`, and the 7-D end-effector
/// delta `action` with MolmoAct's raw gripper convention, +1 = close and 0 = open (its preprocessing stores
/// 1 − a, so decoded model outputs are 1 = open again; molmoact.md §8). The recording itself keeps
/// `observation.images.<camera>` and the mode's gripper aperture (1 = open), which current LeRobot trains on.
/// Videos are copied, not re-encoded.
public enum MolmoActV1Export {
    /// Throws unless `mode` is a 7-D end-effector delta mode (the v1 action).
    public static func checkMode(_ mode: ControlMode) throws {
        guard mode.kind == .endEffectorDelta, mode.action.count == 7 else {
            throw RecordingError(
                "the MolmoAct v1 layout needs a 7-D end-effector delta control mode; mode '\(mode.name)' is \(mode.kind.rawValue) with \(mode.action.count) action values"
            )
        }
    }

    /// Writes the export of the recording at `root` to `target` (replaced if it exists).
    public static func write(root: String, to target: String, mode: ControlMode, version: DatasetVersion = .v2_1) throws {
        try checkMode(mode)
        let manifest = try RecordingManifest.load(root: root)
        let source = try LeRobotDataset(root: root)
        guard manifest.cameras.count >= 2 else {
            throw RecordingError(
                "\(RecordingManifest.path(root: root)): the MolmoAct v1 layout needs a primary and a wrist camera; the recording has \(manifest.cameras)"
            )
        }
        let renamed = [("observation.images.\(manifest.cameras[0])", "image"), ("observation.images.\(manifest.cameras[1])", "wrist_image")]
        var features: [Feature] = []
        for (from, to) in renamed {
            guard let f = source.schema.features.first(where: { $0.name == from }) else {
                throw RecordingError("\(root)/meta/info.json: no feature \(from)")
            }
            features.append(.camera(to, width: f.shape[1], height: f.shape[0]))
        }
        for name in ["observation.state", "action"] {
            guard let f = source.schema.features.first(where: { $0.name == name }) else {
                throw RecordingError("\(root)/meta/info.json: no feature \(name)")
            }
            features.append(f)
        }
        let schema = DatasetSchema(fps: source.schema.fps, robotType: source.schema.robotType, features: features, video: source.schema.video)
        try? FileManager.default.removeItem(atPath: target)
        let writer = try LeRobotDatasetWriter(creating: target, schema: schema, version: version)
        let width = mode.action.count
        for e in source.episodes.indices {
            let data = try source.episode(e)
            var values = data.values
            let actions = values["action"] ?? []
            values["action"] = stride(from: 0, to: actions.count, by: width).flatMap {
                MolmoActCompanion.molmoAction(Array(actions[$0..<($0 + width)]), mode: mode)
            }
            var videos: [String: (path: String, stats: FeatureStats)] = [:]
            for (from, to) in renamed {
                guard let video = source.video(episode: e, feature: from), video.from == 0, let stats = source.episodes[e].stats[from] else {
                    throw RecordingError("\(root): episode \(e) of \(from) is not a whole video file with statistics")
                }
                videos[to] = (video.path, stats)
            }
            try writer.saveEpisode(values: values, frameTasks: data.taskIndices.map { source.tasks[Int($0)] }, videos: videos)
        }
    }
}
