import BenchtopDataset
import EmbodimentKit

/// Which model family's column layout a recording uses.
public enum RecordingStyle: String, Sendable, CaseIterable, Codable {
    /// MolmoAct v1 (LIBERO-like): `image` (primary) and `wrist_image` cameras, the end-effector pose state and
    /// the 7-D end-effector delta action of an `ee_delta` control mode.
    case molmoAct = "molmoact"
    /// MolmoAct2 / LeRobot: `observation.images.<camera>`, `observation.state`, `action` in the mode's units
    /// (for joint modes: the next joint targets).
    case molmoAct2 = "molmoact2"

    /// The default for every mode: MolmoAct2 / LeRobot columns, which current LeRobot trains on (the MolmoAct v1
    /// layout is an export: `MolmoActV1Export`).
    public static func automatic(for mode: ControlMode) -> RecordingStyle { .molmoAct2 }
}

/// The dataset layout of a recording: features derived from the embodiment's control mode and cameras.
public struct RecordingLayout: Sendable {
    public var style: RecordingStyle
    public var schema: DatasetSchema
    /// Dataset feature of each observation camera, in the environment's camera order (primary first).
    public var cameraFeatures: [(camera: String, feature: String)]

    /// - Parameters:
    ///   - cameras: observation cameras (name, width, height), primary first.
    public init(
        style: RecordingStyle, mode: ControlMode, cameras: [(name: String, width: Int, height: Int)], fps: Int,
        robotType: String, video: VideoSettings = VideoSettings()
    ) throws {
        self.style = style
        var features: [Feature] = []
        switch style {
        case .molmoAct:
            guard mode.kind == .endEffectorDelta, mode.action.count == 7 else {
                throw RecordingError(
                    "style molmoact needs a 7-D end-effector delta control mode; mode '\(mode.name)' is \(mode.kind.rawValue) with \(mode.action.count) action values (use --style molmoact2)"
                )
            }
            guard cameras.count >= 2 else {
                throw RecordingError("style molmoact needs a primary and a wrist camera; the embodiment has \(cameras.map(\.name))")
            }
            cameraFeatures = [(cameras[0].name, "image"), (cameras[1].name, "wrist_image")]
            features = [
                .camera("image", width: cameras[0].width, height: cameras[0].height),
                .camera("wrist_image", width: cameras[1].width, height: cameras[1].height),
            ]
        case .molmoAct2:
            cameraFeatures = cameras.map { ($0.name, "observation.images.\($0.name)") }
            features = cameras.map { .camera("observation.images.\($0.name)", width: $0.width, height: $0.height) }
        }
        // State and action names come from the mode's feature specs (the embodiment's dataset convention).
        let specs = mode.features(cameras: [])
        for spec in specs where spec.key == "observation.state" || spec.key == "action" {
            features.append(.vector(spec.key, names: spec.names))
        }
        schema = DatasetSchema(fps: fps, robotType: robotType, features: features, video: video)
        try schema.validate()
    }
}

/// A recording or replay failure with a message naming what was wrong.
public struct RecordingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}
