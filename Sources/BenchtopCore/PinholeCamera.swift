import Foundation

/// A pinhole camera: intrinsics in pixels, a resolution, clip distances and a world pose.
///
/// Conventions (the renderer uses exactly this model, so projections and images agree):
/// - Camera frame: OpenGL style. The camera looks along its local -z axis, local +y is up, +x is right.
///   `pose` is `X_WC`, the camera frame in the world.
/// - Pixels: u grows to the right, v grows downwards, the image's top-left corner is (0, 0), and the centre
///   of pixel (column i, row j) is (i + 0.5, j + 0.5). This is OpenCV's continuous pixel convention.
/// - Depth is metric z-depth: the distance along the optical axis (not along the ray), as depth sensors report.
public struct PinholeCamera: Sendable, Hashable {
    public var width: Int
    public var height: Int
    /// Focal lengths in pixels.
    public var fx: Double, fy: Double
    /// Principal point in pixels (u right, v down).
    public var cx: Double, cy: Double
    /// Clip distances in metres.
    public var near: Double, far: Double
    /// `X_WC`: the camera frame in the world.
    public var pose: Pose

    /// A camera from focal lengths and principal point in pixels.
    public init(
        width: Int, height: Int, fx: Double, fy: Double, cx: Double, cy: Double,
        near: Double = 0.01, far: Double = 10, pose: Pose = .identity
    ) {
        self.width = width
        self.height = height
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
        self.near = near
        self.far = far
        self.pose = pose
    }

    /// A camera from a vertical field of view in degrees, with square pixels and a centred principal point.
    public init(
        width: Int, height: Int, verticalFieldOfView degrees: Double,
        near: Double = 0.01, far: Double = 10, pose: Pose = .identity
    ) {
        let f = Double(height) / 2 / Foundation.tan(degrees * .pi / 360)
        self.init(
            width: width, height: height, fx: f, fy: f, cx: Double(width) / 2, cy: Double(height) / 2,
            near: near, far: far, pose: pose)
    }

    /// The vertical field of view in degrees (exact for a centred principal point).
    public var verticalFieldOfView: Double { 2 * Foundation.atan(Double(height) / 2 / fy) * 180 / .pi }

    // MARK: - Poses

    /// The camera pose `X_WC` of a camera at `eye` looking at `target`, with `up` as close to image-up as possible.
    /// Falls back to another up vector when `up` is parallel to the viewing direction.
    public static func lookAt(
        eye: SIMD3<Double>, target: SIMD3<Double>,
        up: SIMD3<Double> = SIMD3(0, 0, 1)
    ) -> Pose {
        var forward = target - eye
        let n = length(forward)
        forward = n > 0 ? forward / n : SIMD3(0, 0, -1)
        var right = cross(forward, up)
        if length(right) < 1e-9 { right = cross(forward, abs(forward.z) < 0.9 ? SIMD3(0, 0, 1) : SIMD3(1, 0, 0)) }
        right /= length(right)
        let trueUp = cross(right, forward)
        // Columns of R_WC: camera x = right, y = up, z = -forward.
        return Pose(position: eye, orientation: Quaternion(rotationColumns: right, trueUp, -forward))
    }

    // MARK: - Projection

    /// A world point in the camera frame (OpenGL axes: the point is in front of the camera when z < 0).
    public func cameraPoint(_ world: SIMD3<Double>) -> SIMD3<Double> {
        pose.inverse.transform(world)
    }

    /// Projects a world point to continuous pixel coordinates (u right, v down) and its metric z-depth;
    /// nil when the point is not in front of the camera.
    public func project(_ world: SIMD3<Double>) -> (pixel: SIMD2<Double>, depth: Double)? {
        let p = cameraPoint(world)
        let depth = -p.z
        guard depth > 0 else { return nil }
        return (SIMD2(cx + fx * p.x / depth, cy - fy * p.y / depth), depth)
    }

    /// The world point seen at continuous pixel coordinates `pixel` with metric z-depth `depth`.
    public func unproject(pixel: SIMD2<Double>, depth: Double) -> SIMD3<Double> {
        let x = (pixel.x - cx) / fx * depth
        let y = -(pixel.y - cy) / fy * depth
        return pose.transform(SIMD3(x, y, -depth))
    }

    /// The world point seen at the centre of pixel (column, row) with metric z-depth `depth`, as read from a depth image.
    public func unproject(column: Int, row: Int, depth: Double) -> SIMD3<Double> {
        unproject(pixel: SIMD2(Double(column) + 0.5, Double(row) + 0.5), depth: depth)
    }

    /// Whether continuous pixel coordinates fall inside the image.
    public func contains(_ pixel: SIMD2<Double>) -> Bool {
        pixel.x >= 0 && pixel.y >= 0 && pixel.x < Double(width) && pixel.y < Double(height)
    }

    // MARK: - OpenGL matrices (column-major, as glUniformMatrix4fv takes them)

    /// The view matrix (world to camera frame), column-major.
    public var viewMatrix: [Double] { Self.columnMajor(pose.inverse) }

    /// The OpenGL projection matrix matching `project` exactly, column-major.
    ///
    /// NDC x = 2u/W - 1 and NDC y = 1 - 2v/H, so a pixel drawn at NDC (x, y) is at (u, v) in an image whose top row is
    /// GL's top row. With `flipY` the image is rendered upside down in GL, so that reading rows bottom-up
    /// (glReadPixels) yields the top image row first, with no copy to flip rows.
    public func projectionMatrix(flipY: Bool = false) -> [Double] {
        let w = Double(width)
        let h = Double(height)
        let n = near
        let f = far
        let s: Double = flipY ? -1 : 1
        var m = [Double](repeating: 0, count: 16)
        m[0] = 2 * fx / w
        m[8] = 1 - 2 * cx / w
        m[5] = s * 2 * fy / h
        m[9] = s * (2 * cy / h - 1)
        m[10] = -(f + n) / (f - n)
        m[14] = -2 * f * n / (f - n)
        m[11] = -1
        return m
    }

    /// A pose as a column-major 4x4 matrix.
    public static func columnMajor(_ p: Pose) -> [Double] {
        let r = p.orientation.matrix  // row-major
        return [
            r[0], r[3], r[6], 0,
            r[1], r[4], r[7], 0,
            r[2], r[5], r[8], 0,
            p.position.x, p.position.y, p.position.z, 1,
        ]
    }
}

extension Quaternion {
    /// The rotation whose matrix has the given columns (an orthonormal, right-handed basis).
    public init(rotationColumns c0: SIMD3<Double>, _ c1: SIMD3<Double>, _ c2: SIMD3<Double>) {
        // Shepperd's method: pick the largest diagonal combination for numerical stability.
        let m00 = c0.x
        let m11 = c1.y
        let m22 = c2.z
        let trace = m00 + m11 + m22
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            self.init(x: (c1.z - c2.y) / s, y: (c2.x - c0.z) / s, z: (c0.y - c1.x) / s, w: s / 4)
        } else if m00 > m11 && m00 > m22 {
            let s = (1 + m00 - m11 - m22).squareRoot() * 2
            self.init(x: s / 4, y: (c1.x + c0.y) / s, z: (c2.x + c0.z) / s, w: (c1.z - c2.y) / s)
        } else if m11 > m22 {
            let s = (1 + m11 - m00 - m22).squareRoot() * 2
            self.init(x: (c1.x + c0.y) / s, y: s / 4, z: (c2.y + c1.z) / s, w: (c2.x - c0.z) / s)
        } else {
            let s = (1 + m22 - m00 - m11).squareRoot() * 2
            self.init(x: (c2.x + c0.z) / s, y: (c2.y + c1.z) / s, z: s / 4, w: (c0.y - c1.x) / s)
        }
        self = normalized
    }
}
