/// An out-of-distribution variation axis. Level 0 is the scene as recorded; levels 1 ... 3 move further out.
///
/// The names follow the benchmarks' axes (LIBERO-Plus: camera, robot init, language, light, background, noise,
/// layout; MolmoAct's OOD categories: language, spatial, distractors, novel objects; SimplerEnv's variant
/// factors: distractors, lighting, background, table texture, camera) so results can be set side by side.
public enum VariationAxis: String, Sendable, Hashable, CaseIterable, Codable {
    /// Extra objects placed without collisions, away from the target at level 1 and close to it at level 3.
    case distractors
    /// The manipulated object replaced by an unseen shape, size and colour.
    case novelObjects = "novel_objects"
    /// Object positions and yaws drawn from wider ranges.
    case layout
    /// Offsets of the robots' initial arm joints from their home pose.
    case robotInit = "robot_init"
    /// Light intensity, direction and colour temperature.
    case lighting
    /// Table colour and texture, and the background colour.
    case background
    /// Camera pose offsets (translation, rotation) and field of view.
    case camera
    /// Synonyms (1) and paraphrases (2) of the instruction, and a nonsense-instruction control (3).
    case language
    /// Object mass and friction, table friction.
    case physics
    /// Gaussian noise on camera images and on the robot state vector.
    case sensorNoise = "sensor_noise"

    /// The highest level of every axis.
    public static let maxLevel = 3

    /// LIBERO-Plus's column for this axis, when it has one.
    public var liberoPlusCategory: String? {
        switch self {
        case .camera: "Camera"
        case .robotInit: "Robot init"
        case .language: "Language"
        case .lighting: "Light"
        case .background: "Background"
        case .sensorNoise: "Noise"
        case .layout, .distractors: "Layout"
        case .novelObjects, .physics: nil
        }
    }

    /// MolmoAct's real-world OOD category (arXiv 2508.07917, Fig. 6a), when it has one.
    public var molmoActCategory: String? {
        switch self {
        case .language: "language variation"
        case .layout: "spatial variation"
        case .distractors: "distractors"
        case .novelObjects: "novel objects"
        default: nil
        }
    }

    /// Whether the axis changes only what a policy perceives (images, state, words), not the physical world.
    public var isPerceptual: Bool {
        switch self {
        case .lighting, .background, .camera, .language, .sensorNoise: true
        case .distractors, .novelObjects, .layout, .robotInit, .physics: false
        }
    }
}
