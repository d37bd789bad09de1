import BenchtopCore
import EmbodimentKit
import Foundation

/// The bimanual I2RT YAM rig (model v0, `linear_4310` grippers) with the MolmoAct2 bimanual-YAM dataset
/// conventions: 14-D absolute joint positions [left j1..j6, left gripper, right j1..j6, right gripper], gripper
/// aperture 0..1 with 1 = open; cameras top, left wrist, right wrist at 640 x 360, 30 Hz.
public enum YAMPlugin: EmbodimentPlugin {
    /// Menagerie `home` keyframe (M i2rt_yam): grasp site 0.377 m in front of the base, 0.39 m up, pointing forward.
    public static let home: [Double] = [0, 1.047, 1.047, 0, 0, 0]
    /// Finger stroke of the linear_4310 gripper: each slide 0 ... 0.0475 m, open at 0.0475.
    public static let stroke = 0.0475
    /// Base offset of each arm along y (the rig's arms are 0.44 m apart).
    public static let armOffset = 0.22

    public static func makeEmbodiments() throws -> [EmbodimentDescriptor] { [try bimanual()] }

    public static func bimanual() throws -> EmbodimentDescriptor {
        guard let url = Bundle.module.url(forResource: "yam_bimanual", withExtension: "urdf") else {
            throw EmbodimentError(embodiment: "yam_bimanual", field: "urdf", "resource yam_bimanual.urdf missing from the plugin bundle")
        }
        let spec = try URDF.load(path: url.path)
        let arms = ["left", "right"].map { side in
            Arm(
                name: side, joints: (1...6).map { "\(side)_joint\($0)" }, tcpLink: "\(side)_link_6",
                tcpOffset: Pose(position: SIMD3(0, 0, 0.1347)), home: home,
                gripper: Gripper(
                    joints: ["\(side)_left_finger_joint", "\(side)_right_finger_joint"], open: [stroke, stroke],
                    closed: [0, 0], effort: 5))
        }
        let mode = ControlMode.jointPosition(
            name: "yam_dual", arms: arms, names: ["left", "right"].map { s in (1...6).map { "\(s)_joint\($0)" } },
            gripperNames: ["left_gripper", "right_gripper"], gripperClosed: 0, gripperOpen: 1,
            gripperUnit: "aperture 0..1 (1 = open)", rate: 30,
            notes:
                "MolmoAct2 bimanual YAM: 14-D [left j1..j6, left gripper, right j1..j6, right gripper], absolute joint positions (rad), aperture = q / 0.0475, 1 = open"
        )
        // MolmoAct2's simulated rig (MA2 sim_eval/robots/bimanual_yam.py, SAPIEN cameras: +x forward, +z up), all
        // 640 x 360. Top: on bimanual_base at (0.15, 0, 0.8), quat (0.76604, 0, 0.64279, 0) = pitched 80 deg down,
        // HFOV 69.4 deg. Wrists: on link_6 at (0, 0.09, 0.06), quat (0.61237, -0.35355, -0.35355, -0.61237), which
        // looks along (0, -0.5, 0.866) with up (0, 0.866, 0.5): 30 deg in towards the fingers; HFOV 87 deg.
        let vfov = { (h: Double) in 2 * atan(tan(h / 2 * .pi / 180) * 360 / 640) * 180 / .pi }
        let down80 = SIMD3(0.15 + 0.8 / tan(80 * Double.pi / 180), 0, 0)
        let cameras =
            [
                MountedCamera(
                    name: "top", link: "bimanual_base", eye: SIMD3(0.15, 0, 0.8), target: down80, up: SIMD3(1, 0, 0),
                    verticalFieldOfView: vfov(69.4), width: 640, height: 360)
            ]
            + ["left", "right"].map { side in
                MountedCamera(
                    name: "\(side)_wrist", link: "\(side)_link_6", eye: SIMD3(0, 0.09, 0.06),
                    target: SIMD3(0, 0.09 - 0.1, 0.06 + 0.1 * 3.0.squareRoot()),
                    up: SIMD3(0, 0.866, 0.5), verticalFieldOfView: vfov(87), width: 640, height: 360)
            }
        return EmbodimentDescriptor(
            name: "yam_bimanual", summary: "Bimanual I2RT YAM v0 with linear_4310 grippers, arms 0.44 m apart; MolmoAct2 bimanual-YAM conventions",
            articulation: spec, arms: arms, cameras: cameras,
            controlModes: [
                mode,
                ControlMode.endEffector(name: "ee_pose_left", kind: .endEffectorPose, arm: 0, rate: 30),
                ControlMode.endEffector(name: "ee_delta_left", kind: .endEffectorDelta, arm: 0, rate: 30),
            ],
            motorGains: MotorGains(position: 0.3, velocity: 1),
            sources: "Plugins/YAM/README.md (Y i2rt-robotics/i2rt 0e470c0, M mujoco_menagerie i2rt_yam, MA2 molmoact2, MS molmospaces)")
    }
}
