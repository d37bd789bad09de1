/// A rigid transform: the pose of a frame B in a frame A (`X_AB`), position in metres.
public struct Pose: Sendable, Hashable, Codable {
    public var position: SIMD3<Double>
    public var orientation: Quaternion

    public init(position: SIMD3<Double> = .zero, orientation: Quaternion = .identity) {
        self.position = position
        self.orientation = orientation
    }

    /// The identity transform.
    public static let identity = Pose()

    /// Composition: `X_AC = X_AB * X_BC`.
    public static func * (lhs: Pose, rhs: Pose) -> Pose {
        Pose(
            position: lhs.position + lhs.orientation.act(rhs.position),
            orientation: (lhs.orientation * rhs.orientation).normalized)
    }

    /// The inverse transform: `X_BA` from `X_AB`.
    public var inverse: Pose {
        let q = orientation.conjugate
        return Pose(position: -q.act(position), orientation: q)
    }

    /// Maps a point given in frame B to frame A.
    public func transform(_ point: SIMD3<Double>) -> SIMD3<Double> {
        position + orientation.act(point)
    }

    /// The pose as 7 numbers [x, y, z, qx, qy, qz, qw], the layout of the native layer.
    public var packed: [Double] {
        [position.x, position.y, position.z, orientation.x, orientation.y, orientation.z, orientation.w]
    }

    /// Builds a pose from 7 numbers [x, y, z, qx, qy, qz, qw].
    public init<C: RandomAccessCollection>(packed p: C) where C.Element == Double, C.Index == Int {
        let i = p.startIndex
        self.init(
            position: SIMD3(p[i], p[i + 1], p[i + 2]),
            orientation: Quaternion(x: p[i + 3], y: p[i + 4], z: p[i + 5], w: p[i + 6]))
    }
}
