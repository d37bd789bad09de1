/// A unit quaternion (x, y, z, w) describing a rotation; Hamilton convention, as Bullet and ROS use.
public struct Quaternion: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var z: Double
    public var w: Double

    public init(x: Double, y: Double, z: Double, w: Double) {
        self.x = x
        self.y = y
        self.z = z
        self.w = w
    }

    /// The identity rotation.
    public static let identity = Quaternion(x: 0, y: 0, z: 0, w: 1)

    /// A rotation of `angle` radians about `axis` (need not be unit length).
    public init(axis: SIMD3<Double>, angle: Double) {
        let n = (axis * axis).sum().squareRoot()
        guard n > 0 else {
            self = .identity
            return
        }
        let s = (angle / 2).sin / n
        self.init(x: axis.x * s, y: axis.y * s, z: axis.z * s, w: (angle / 2).cos)
    }

    /// URDF / ROS roll-pitch-yaw: R = Rz(yaw) * Ry(pitch) * Rx(roll) (extrinsic x-y-z).
    public init(roll: Double, pitch: Double, yaw: Double) {
        let (cr, sr) = ((roll / 2).cos, (roll / 2).sin)
        let (cp, sp) = ((pitch / 2).cos, (pitch / 2).sin)
        let (cy, sy) = ((yaw / 2).cos, (yaw / 2).sin)
        self.init(
            x: sr * cp * cy - cr * sp * sy,
            y: cr * sp * cy + sr * cp * sy,
            z: cr * cp * sy - sr * sp * cy,
            w: cr * cp * cy + sr * sp * sy)
    }

    /// Roll, pitch, yaw (URDF convention), the inverse of `init(roll:pitch:yaw:)`.
    public var rollPitchYaw: SIMD3<Double> {
        let sinp = 2 * (w * y - z * x)
        let pitch = abs(sinp) >= 1 ? (sinp >= 0 ? Double.pi / 2 : -Double.pi / 2) : asinClamped(sinp)
        let roll = atan2Safe(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
        let yaw = atan2Safe(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
        return SIMD3(roll, pitch, yaw)
    }

    public var conjugate: Quaternion { Quaternion(x: -x, y: -y, z: -z, w: w) }

    public var norm: Double { (x * x + y * y + z * z + w * w).squareRoot() }

    public var normalized: Quaternion {
        let n = norm
        return n > 0 ? Quaternion(x: x / n, y: y / n, z: z / n, w: w / n) : .identity
    }

    /// Hamilton product: the rotation `rhs` followed by `lhs`.
    public static func * (lhs: Quaternion, rhs: Quaternion) -> Quaternion {
        Quaternion(
            x: lhs.w * rhs.x + lhs.x * rhs.w + lhs.y * rhs.z - lhs.z * rhs.y,
            y: lhs.w * rhs.y - lhs.x * rhs.z + lhs.y * rhs.w + lhs.z * rhs.x,
            z: lhs.w * rhs.z + lhs.x * rhs.y - lhs.y * rhs.x + lhs.z * rhs.w,
            w: lhs.w * rhs.w - lhs.x * rhs.x - lhs.y * rhs.y - lhs.z * rhs.z)
    }

    /// Rotates a vector.
    public func act(_ v: SIMD3<Double>) -> SIMD3<Double> {
        let u = SIMD3(x, y, z)
        let t = 2 * cross(u, v)
        return v + w * t + cross(u, t)
    }

    /// The row-major 3x3 rotation matrix.
    public var matrix: [Double] {
        let xx = x * x
        let yy = y * y
        let zz = z * z
        let xy = x * y
        let xz = x * z
        let yz = y * z
        let wx = w * x
        let wy = w * y
        let wz = w * z
        return [
            1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy),
            2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx),
            2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy),
        ]
    }

    /// The angle in radians of the rotation taking `self` to `other` (0 ... pi).
    public func angle(to other: Quaternion) -> Double {
        // atan2 of the relative rotation keeps full precision for tiny angles, where acos would not.
        let d = conjugate * other
        return 2 * atan2Safe((d.x * d.x + d.y * d.y + d.z * d.z).squareRoot(), abs(d.w))
    }

    /// Rotation vector (axis * angle), the log map; angle in 0 ... pi.
    public var rotationVector: SIMD3<Double> {
        var q = normalized
        if q.w < 0 { q = Quaternion(x: -q.x, y: -q.y, z: -q.z, w: -q.w) }
        let s = (q.x * q.x + q.y * q.y + q.z * q.z).squareRoot()
        guard s > 1e-12 else { return SIMD3(2 * q.x, 2 * q.y, 2 * q.z) }
        let angle = 2 * atan2Safe(s, q.w)
        return SIMD3(q.x, q.y, q.z) * (angle / s)
    }

    /// The exponential map: a rotation vector (axis * angle) to a quaternion.
    public init(rotationVector v: SIMD3<Double>) {
        let angle = (v * v).sum().squareRoot()
        self =
            angle < 1e-12
            ? Quaternion(x: v.x / 2, y: v.y / 2, z: v.z / 2, w: 1).normalized
            : Quaternion(axis: v, angle: angle)
    }
}
