import BenchtopCore
import Foundation

/// MuJoCo simulate's mouse perturbation: with a body selected, Ctrl + left drag pulls the grabbed point towards
/// the cursor and Ctrl + right drag turns the body, each through a critically damped spring scaled by the body's
/// mass, so light and heavy bodies follow the mouse alike.
struct MouseGrab {
    /// Spring stiffness per kilogram (1/s²) and its critical damping (1/s): a 10 rad/s natural frequency.
    static let stiffness = 100.0
    static let damping = 20.0
    /// Largest acceleration the spring may ask for (m/s²), so a fast flick does not launch a body.
    static let maximumAcceleration = 60.0

    var body: Int
    /// The grabbed point in the body frame.
    var localPoint: SIMD3<Double>
    /// Pulling moves the target in the plane through the grab point that faces the camera.
    var planePoint: SIMD3<Double>
    var planeNormal: SIMD3<Double>
    /// Turning: the body's orientation and the cursor when the drag began, and the camera's right and up axes.
    var startOrientation: Quaternion
    var startCursor: SIMD2<Double>
    var cameraRight: SIMD3<Double>
    var cameraUp: SIMD3<Double>
    var turning: Bool
    /// Where the spring pulls to, for drawing.
    var target: SIMD3<Double>

    init(body: Int, at point: SIMD3<Double>, pose: Pose, camera: Pose, cursor: SIMD2<Double>, turning: Bool) {
        self.body = body
        localPoint = pose.inverse.transform(point)
        planePoint = point
        planeNormal = camera.orientation.act(SIMD3(0, 0, 1))
        startOrientation = pose.orientation
        startCursor = cursor
        cameraRight = camera.orientation.act(SIMD3(1, 0, 0))
        cameraUp = camera.orientation.act(SIMD3(0, 1, 0))
        self.turning = turning
        target = point
    }

    /// The force and torque for this frame, from the body's state and the cursor's ray (nil when the ray misses
    /// the drag plane).
    mutating func perturbation(
        state: BodyState, mass: Double, ray: (origin: SIMD3<Double>, direction: SIMD3<Double>), cursor: SIMD2<Double>
    ) -> BodyPerturbation? {
        let m = max(mass, 0.05)
        let anchor = state.pose.transform(localPoint)
        if turning {
            // Horizontal motion turns about the camera's up axis, vertical about its right axis (0.01 rad per pixel).
            let d = (cursor - startCursor) * 0.01
            let turn = Quaternion(rotationVector: cameraUp * d.x + cameraRight * d.y)
            let goal = turn * startOrientation
            let error = (goal * state.pose.orientation.conjugate).rotationVector
            let inertia = m * 0.1 * 0.1  // a 10 cm radius of gyration
            let torque = inertia * (Self.stiffness * error - Self.damping * state.angularVelocity)
            target = anchor
            return BodyPerturbation(body: body, force: .zero, torque: Self.limit(torque, inertia * 20 * Self.maximumAcceleration), point: anchor)
        }
        let denominator = dot(planeNormal, ray.direction)
        guard abs(denominator) > 1e-9 else { return nil }
        let s = dot(planeNormal, planePoint - ray.origin) / denominator
        guard s > 0 else { return nil }
        target = ray.origin + s * ray.direction
        let velocity = state.linearVelocity + cross(state.angularVelocity, anchor - state.pose.position)
        let force = m * (Self.stiffness * (target - anchor) - Self.damping * velocity)
        return BodyPerturbation(body: body, force: Self.limit(force, m * Self.maximumAcceleration), torque: .zero, point: anchor)
    }

    private static func limit(_ v: SIMD3<Double>, _ maximum: Double) -> SIMD3<Double> {
        let n = length(v)
        return n > maximum ? v * (maximum / n) : v
    }
}
