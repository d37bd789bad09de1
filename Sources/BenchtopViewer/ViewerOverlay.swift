import BenchtopCore

/// A 2D polyline in a camera image's pixel coordinates (u right, v down, pixel centres at +0.5): a visual trace.
public struct ImagePolyline: Sendable, Hashable {
    public var points: [SIMD2<Double>]
    public var color: Color
    /// Width in window pixels.
    public var width: Double
    public init(points: [SIMD2<Double>], color: Color = Color(1, 0.85, 0), width: Double = 2) {
        self.points = points
        self.color = color
        self.width = width
    }
}

/// A 3D polyline in world coordinates (metres), e.g. an end-effector path.
public struct WorldPolyline: Sendable, Hashable {
    public var points: [SIMD3<Double>]
    public var color: Color
    /// Width in window pixels.
    public var width: Double
    public init(points: [SIMD3<Double>], color: Color = Color(0, 0.9, 1), width: Double = 2) {
        self.points = points
        self.color = color
        self.width = width
    }
}

/// What later stages draw on top of the viewer each frame: traces on camera panels, paths in the scene,
/// a depth-map panel and lines of text.
public struct ViewerOverlay: Sendable, Hashable {
    /// Camera name -> polylines in that camera's image pixels, drawn on its panel.
    public var cameraTraces: [String: [ImagePolyline]]
    /// Polylines in the world, drawn over the main view (not depth tested, so they stay visible).
    public var worldPaths: [WorldPolyline]
    /// A camera whose metric depth is shown in its own panel (nil: the viewer's own toggle decides).
    public var depthCamera: String?
    /// Lines of text shown in the lower-left corner.
    public var text: [String]
    /// A picture drawn along the bottom of the main view (the reasoning panel), scaled to fit.
    public var panel: RGBImage?

    public init(
        cameraTraces: [String: [ImagePolyline]] = [:], worldPaths: [WorldPolyline] = [], depthCamera: String? = nil,
        text: [String] = []
    ) {
        self.cameraTraces = cameraTraces
        self.worldPaths = worldPaths
        self.depthCamera = depthCamera
        self.text = text
    }
}

/// What the viewer shows and drives: a steppable world seen through snapshots.
/// (`BenchtopPhysics.World` conforms in the command-line module; the viewer never touches physics itself.)
public protocol ViewerSimulation: AnyObject {
    /// Static body descriptions, by body id.
    var bodies: [BodyDescription] { get }
    /// The fixed physics step in seconds.
    var timeStep: Double { get }
    func snapshot() -> WorldSnapshot
    func step(_ count: Int) throws
    func reset() throws
}
