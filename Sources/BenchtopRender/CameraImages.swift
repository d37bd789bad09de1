import BenchtopCore

/// Which images a camera render reads back.
public struct RenderOutputs: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// 8-bit RGB colour.
    public static let rgb = RenderOutputs(rawValue: 1)
    /// Metric z-depth in metres (float32).
    public static let depth = RenderOutputs(rawValue: 2)
    /// Body id per pixel, -1 for background.
    public static let segmentation = RenderOutputs(rawValue: 4)
    public static let all: RenderOutputs = [.rgb, .depth, .segmentation]
}

/// The images of one camera at one instant; each is nil unless it was requested.
public struct CameraImages: Sendable, Hashable {
    public var rgb: RGBImage?
    /// Metric z-depth (along the optical axis); pixels that see nothing hold the camera's far distance.
    public var depth: DepthImage?
    /// World body ids; -1 where no body is seen.
    public var segmentation: SegmentationImage?

    public init(rgb: RGBImage? = nil, depth: DepthImage? = nil, segmentation: SegmentationImage? = nil) {
        self.rgb = rgb
        self.depth = depth
        self.segmentation = segmentation
    }
}

/// How a renderer reads camera images back from GL.
public enum ReadBack: String, Sendable, CaseIterable {
    /// glReadPixels into memory, one image at a time: the CPU waits for the GPU at every image.
    case synchronous
    /// glReadPixels into pixel buffer objects for every camera, then one wait and a map each: on a GPU the copies
    /// run back to back while the CPU is not waiting.
    case pixelBuffers = "pbo"
}
