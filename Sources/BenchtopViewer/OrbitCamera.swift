import BenchtopCore
import Foundation

/// The viewer's free camera: orbits a target point (azimuth about world z, elevation above the xy plane),
/// pans the target in the view plane, and zooms by changing the distance.
public struct OrbitCamera: Sendable, Hashable {
    public var target: SIMD3<Double>
    /// Radians about world z, measured from +x.
    public var azimuth: Double
    /// Radians above the horizontal, kept inside (-89°, 89°).
    public var elevation: Double
    /// Metres from the target.
    public var distance: Double
    public var verticalFieldOfView: Double = 45

    public init(
        target: SIMD3<Double> = SIMD3(0.3, 0, 0.98), azimuth: Double = 0.55, elevation: Double = 0.42,
        distance: Double = 2.3
    ) {
        self.target = target
        self.azimuth = azimuth
        self.elevation = elevation
        self.distance = distance
    }

    /// The eye position in the world.
    public var eye: SIMD3<Double> {
        target + distance * SIMD3(cos(elevation) * cos(azimuth), cos(elevation) * sin(azimuth), sin(elevation))
    }

    /// The camera pose `X_WC` (OpenGL convention, looking at the target).
    public var pose: Pose { PinholeCamera.lookAt(eye: eye, target: target) }

    /// The pinhole model for a viewport of the given size.
    public func pinhole(width: Int, height: Int) -> PinholeCamera {
        PinholeCamera(width: width, height: height, verticalFieldOfView: verticalFieldOfView, near: 0.02, far: 30, pose: pose)
    }

    /// Rotates by mouse motion in pixels.
    public mutating func orbit(dx: Double, dy: Double) {
        azimuth -= dx * 0.008
        elevation = min(max(elevation + dy * 0.008, -1.55), 1.55)
    }

    /// Moves the target in the view plane by mouse motion in pixels of a viewport `height` pixels tall.
    public mutating func pan(dx: Double, dy: Double, viewportHeight: Double) {
        let metresPerPixel = 2 * distance * tan(verticalFieldOfView * .pi / 360) / max(viewportHeight, 1)
        let r = pose.orientation
        target += r.act(SIMD3(-dx * metresPerPixel, dy * metresPerPixel, 0))
    }

    /// Zooms by scroll steps (positive: closer).
    public mutating func zoom(_ steps: Double) {
        distance = min(max(distance * pow(0.9, steps), 0.05), 20)
    }
}
