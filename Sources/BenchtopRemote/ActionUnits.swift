import BenchtopCore
import BenchtopPolicy
import Foundation

/// The units of a checkpoint's end-effector deltas: those of the environment it was trained in. Applied by the
/// clients, so the franka `molmoact` control mode keeps its own units (metres and radians per tick) for the
/// built-in and learned policies.
public enum ActionUnits: String, Sendable, CaseIterable {
    /// Deltas already in metres and radians (OXE / SimplerEnv statistics such as `fractal20220817_data`).
    case metric
    /// robosuite's `OSC_POSE` controller input (LIBERO): each of dims 0-5 clipped to [-1, 1], then mapped to
    /// +-0.05 m (position) and +-0.5 rad (rotation, an axis-angle vector applied in the world frame); robosuite
    /// `controllers/config/osc_pose.json` (`input_max` 1, `output_max` 0.05 / 0.5) and `scale_action`.
    case robosuiteOSC = "robosuite-osc"

    /// The units of the environment a MolmoAct norm key was computed in: `libero_*` keys are LIBERO's robosuite OSC
    /// actions, every other key (OXE datasets, `molmoact`) metric deltas.
    public static func forNormKey(_ key: String?) -> ActionUnits {
        (key ?? "").lowercased().hasPrefix("libero") ? .robosuiteOSC : .metric
    }

    /// Largest position and rotation step of robosuite's OSC_POSE controller per control tick.
    public static let oscPositionStep = 0.05
    public static let oscRotationStep = 0.5

    /// One action in these units converted to the `molmoact` mode's `[dx, dy, dz, droll, dpitch, dyaw, rest...]`
    /// (metres, and the roll-pitch-yaw of the same world-frame rotation); values past dimension 5 are unchanged.
    public func toMetric(_ action: [Double]) -> [Double] {
        guard self == .robosuiteOSC, action.count >= 6 else { return action }
        func clip(_ v: Double) -> Double { min(max(v, -1), 1) }
        var out = action
        for i in 0..<3 { out[i] = clip(action[i]) * Self.oscPositionStep }
        let v = SIMD3(clip(action[3]), clip(action[4]), clip(action[5])) * Self.oscRotationStep
        let angle = (v * v).sum().squareRoot()
        let rpy = angle > 0 ? Quaternion(axis: v, angle: angle).rollPitchYaw : .zero
        for i in 0..<3 { out[3 + i] = rpy[i] }
        return out
    }
}

/// Orientation helpers for state layouts that send axis-angle (openpi's LIBERO example).
enum AxisAngle {
    /// robosuite's `quat2axisangle` (what openpi's LIBERO client sends): angle 2 acos(w) about the quaternion's axis,
    /// zero for a (near) identity rotation; the quaternion's sign is kept as it is.
    static func from(_ q: Quaternion) -> SIMD3<Double> {
        let w = min(max(q.w, -1), 1)
        let den = (1 - w * w).squareRoot()
        guard den > 1e-9 else { return .zero }
        return SIMD3(q.x, q.y, q.z) * (2 * acos(w)) / den
    }
}
