/// An 8-bit RGB image, row-major, top row first (image convention, not OpenGL's bottom-up rows).
public struct RGBImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// width * height * 3 bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage needs width * height * 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: p.count, by: 3) {
            p[i] = fill.0
            p[i + 1] = fill.1
            p[i + 2] = fill.2
        }
        self.init(width: width, height: height, pixels: p)
    }

    /// The pixel at column x, row y.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }
}

/// A metric depth image: distance along the camera's optical axis in metres, row-major, top row first.
/// Pixels that see nothing hold the camera's far distance.
public struct DepthImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "DepthImage needs width * height values")
        self.width = width
        self.height = height
        self.values = values
    }

    public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }
}

/// Per-pixel body ids (the world's body ids), -1 where no body is seen; row-major, top row first.
public struct SegmentationImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public var ids: [Int32]

    public init(width: Int, height: Int, ids: [Int32]) {
        precondition(ids.count == width * height, "SegmentationImage needs width * height ids")
        self.width = width
        self.height = height
        self.ids = ids
    }

    public subscript(x: Int, y: Int) -> Int32 { ids[y * width + x] }
}
