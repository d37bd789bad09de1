import BenchtopCore

/// The value type of a dataset feature, as LeRobot's `info.json` names it.
public enum FeatureDType: String, Sendable, Hashable, Codable {
    case float32, float64, int64, int32, bool
    /// Camera frames stored in mp4 files (no parquet column).
    case video

    var primitive: ParquetPrimitive? {
        switch self {
        case .float32: .float
        case .float64: .double
        case .int64: .int64
        case .int32: .int32
        case .bool: .boolean
        case .video: nil
        }
    }
}

/// One dataset feature: name -> dtype, shape, per-dimension names (LeRobot's `info.json` `features` entry).
public struct Feature: Sendable, Hashable {
    public var name: String
    public var dtype: FeatureDType
    /// [D] for vectors, [1] for scalars, [height, width, 3] for video.
    public var shape: [Int]
    /// Flat per-dimension names (e.g. joint names), or nil.
    public var names: [String]?

    public init(_ name: String, _ dtype: FeatureDType, shape: [Int], names: [String]? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.names = names
    }

    /// A float32 vector feature such as `observation.state` or `action`.
    public static func vector(_ name: String, names: [String]) -> Feature {
        Feature(name, .float32, shape: [names.count], names: names)
    }

    /// A camera stored as video, `height` x `width` RGB.
    public static func camera(_ name: String, width: Int, height: Int) -> Feature {
        Feature(name, .video, shape: [height, width, 3], names: ["height", "width", "channels"])
    }

    public var isVideo: Bool { dtype == .video }
    /// Values per frame (product of the shape) for non-video features.
    public var width: Int { shape.reduce(1, *) }
    /// Stored as a list column (vectors) rather than a scalar column (shape [1]).
    var isList: Bool { shape != [1] }

    var parquetField: ParquetField? {
        dtype.primitive.map { ParquetField(name, $0, listDepth: isList ? 1 : 0) }
    }

    /// The five features every LeRobot dataset declares.
    public static let defaults: [Feature] = [
        Feature("timestamp", .float32, shape: [1]), Feature("frame_index", .int64, shape: [1]),
        Feature("episode_index", .int64, shape: [1]), Feature("index", .int64, shape: [1]),
        Feature("task_index", .int64, shape: [1]),
    ]
    static let defaultNames: Set<String> = Set(defaults.map(\.name))
}

/// LeRobot layout version.
public enum DatasetVersion: String, Sendable, CaseIterable, Codable {
    /// Current layout (lerobot >= 0.4): parquet metadata, many episodes per file allowed.
    case v3_0 = "v3.0"
    /// Legacy layout (lerobot 0.3.x, openpi, GR00T): one file per episode, JSON Lines metadata.
    case v2_1 = "v2.1"
}

/// The fixed structure of a dataset: rate, robot, features and video encoding.
public struct DatasetSchema: Sendable, Hashable {
    /// Frames per second of the parquet rows and every video (integer, as LeRobot requires).
    public var fps: Int
    public var robotType: String?
    /// The dataset's own features (without the five defaults, which are always added).
    public var features: [Feature]
    public var video: VideoSettings

    public init(fps: Int, robotType: String?, features: [Feature], video: VideoSettings = VideoSettings()) {
        self.fps = fps
        self.robotType = robotType
        self.features = features
        self.video = video
    }

    /// Features plus the five defaults, in `info.json` order.
    public var allFeatures: [Feature] { features + Feature.defaults }
    public var videoFeatures: [Feature] { features.filter(\.isVideo) }
    public var numericFeatures: [Feature] { features.filter { !$0.isVideo } }

    /// Checks names, shapes and the default features; errors name the feature.
    public func validate(file: String = "") throws {
        guard fps > 0 else { throw DatasetError(file: file, location: "fps", "must be a positive integer, got \(fps)") }
        var seen = Set<String>()
        for f in features {
            let at = "features.\(f.name)"
            guard !f.name.isEmpty, !f.name.contains("/") else {
                throw DatasetError(file: file, location: at, "feature names must be non-empty and contain no '/'")
            }
            guard !Feature.defaultNames.contains(f.name) else {
                throw DatasetError(file: file, location: at, "is a default feature, declared automatically")
            }
            guard seen.insert(f.name).inserted else { throw DatasetError(file: file, location: at, "declared twice") }
            if f.isVideo {
                guard f.shape.count == 3, f.shape[2] == 3, f.shape[0] % 2 == 0, f.shape[1] % 2 == 0, f.shape[0] > 0, f.shape[1] > 0 else {
                    throw DatasetError(file: file, location: at + ".shape", "video shape must be [height, width, 3] with even sizes, got \(f.shape)")
                }
            } else {
                guard f.shape.count == 1, f.shape[0] > 0 else {
                    throw DatasetError(file: file, location: at + ".shape", "expected [D] with D > 0, got \(f.shape)")
                }
                if let n = f.names, n.count != f.shape[0] {
                    throw DatasetError(file: file, location: at + ".names", "\(n.count) names for shape \(f.shape)")
                }
            }
        }
    }

    /// MolmoAct (v1) style, as its fine-tune loader reads it (lerobot 0.3.3, so write `.v2_1` for it):
    /// `image` and `wrist_image` cameras (256x256), an 8-D end-effector `observation.state` (xyz,
    /// roll-pitch-yaw, two gripper fingers) and a 7-D end-effector delta `action` (dx .. dyaw, gripper).
    public static func molmoActV1(
        fps: Int = 10, robotType: String? = "franka", imageSize: Int = 256,
        video: VideoSettings = VideoSettings()
    ) -> DatasetSchema {
        DatasetSchema(
            fps: fps, robotType: robotType,
            features: [
                .camera("image", width: imageSize, height: imageSize),
                .camera("wrist_image", width: imageSize, height: imageSize),
                .vector("observation.state", names: ["x", "y", "z", "roll", "pitch", "yaw", "gripper_left", "gripper_right"]),
                .vector("action", names: ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"]),
            ], video: video)
    }

    /// MolmoAct2 / LeRobot style: `observation.images.<camera>`, `observation.state`, `action`.
    public static func molmoAct2(
        fps: Int = 15, robotType: String?, cameras: [String], width: Int = 256, height: Int = 256,
        stateNames: [String], actionNames: [String], video: VideoSettings = VideoSettings()
    ) -> DatasetSchema {
        DatasetSchema(
            fps: fps, robotType: robotType,
            features: cameras.map { .camera("observation.images.\($0)", width: width, height: height) }
                + [.vector("observation.state", names: stateNames), .vector("action", names: actionNames)],
            video: video)
    }
}

/// One recorded frame: numeric feature values, camera images and the task instruction.
public struct DatasetFrame: Sendable {
    /// Values of each numeric feature (converted to the declared dtype when written; bools as 0/1).
    public var values: [String: [Double]]
    /// Images of each video feature (top row first).
    public var images: [String: RGBImage]
    public var task: String

    public init(task: String, values: [String: [Double]] = [:], images: [String: RGBImage] = [:]) {
        self.task = task
        self.values = values
        self.images = images
    }
}
