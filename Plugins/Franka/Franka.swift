import BenchtopCore
import EmbodimentKit
import Foundation

/// The Franka Panda embodiments: `franka` (Franka Hand, MolmoAct v1 / LIBERO style end-effector deltas and a
/// 7-D end-effector state) and `franka_droid` (Robotiq-2F-85-like gripper, DROID's 8-D absolute joint positions).
public enum FrankaPlugin: EmbodimentPlugin {
    static let armJoints = (1...7).map { "joint\($0)" }
    /// Ready pose (F3 franka_control/config/start_pose.yaml).
    public static let ready: [Double] = [0, -.pi / 4, 0, -3 * .pi / 4, 0, .pi / 2, .pi / 4]
    /// DROID reset_joints (D droid/robot_env.py).
    public static let droidReset: [Double] = [0, -.pi / 5, 0, -4 * .pi / 5, 0, 3 * .pi / 5, 0]

    public static func makeEmbodiments() throws -> [EmbodimentDescriptor] {
        [try franka(), try droid()]
    }

    /// `--look published`: the Panda meshes of pybullet_data (`pip install pybullet==3.2.7`, then
    /// BENCHTOP_PACKAGE_PATH=<pybullet_data folder>). Our link frames are franka_description's, as are theirs.
    /// franka_droid's Robotiq-like gripper has no published mesh there and keeps its primitive look.
    public static var publishedLooks: [String: PublishedLook] {
        let source = "pybullet_data franka_panda (pip install pybullet==3.2.7; BENCHTOP_PACKAGE_PATH=<pybullet_data.getDataPath()>)"
        var arm = Dictionary(uniqueKeysWithValues: (0...7).map { ("link\($0)", "panda_link\($0)") })
        let droid = PublishedLook(urdf: "package://franka_panda/panda.urdf", links: arm, source: source)
        arm["hand"] = "panda_hand"
        arm["leftfinger"] = "panda_leftfinger"
        arm["rightfinger"] = "panda_rightfinger"
        return ["franka": PublishedLook(urdf: "package://franka_panda/panda.urdf", links: arm, source: source), "franka_droid": droid]
    }

    static func urdf(_ name: String) throws -> ArticulationSpec {
        guard let url = Bundle.module.url(forResource: name, withExtension: "urdf") else {
            throw EmbodimentError(embodiment: name, field: "urdf", "resource \(name).urdf missing from the plugin bundle")
        }
        return try URDF.load(path: url.path)
    }

    public static func franka() throws -> EmbodimentDescriptor {
        let arm = Arm(
            name: "arm", joints: armJoints, tcpLink: "hand", tcpOffset: Pose(position: SIMD3(0, 0, 0.1034)), home: ready,
            gripper: Gripper(joints: ["finger_joint1", "finger_joint2"], open: [0.04, 0.04], closed: [0, 0], effort: 10))
        let ee = ControlMode.endEffector(
            name: "molmoact", kind: .endEffectorDelta, rate: 10,
            notes:
                "MolmoAct v1 / LIBERO: [dx, dy, dz, droll, dpitch, dyaw, gripper], gripper aperture 1 = open, 0 = closed (as MolmoAct's decoded outputs are); the MolmoAct v1 export and companion store MolmoAct's raw convention +1 = close, which its preprocessing turns into 1 - g"
        )
        let pose = ControlMode.endEffector(name: "ee_pose", kind: .endEffectorPose, rate: 10)
        let joints = ControlMode.jointPosition(
            name: "joint_position", arms: [arm], names: [armJoints], gripperNames: ["gripper"],
            gripperClosed: 0, gripperOpen: 1, gripperUnit: "aperture 0..1 (1 = open)", rate: 15)
        return EmbodimentDescriptor(
            name: "franka", summary: "Franka Panda (FER) with the Franka Hand; MolmoAct v1 / LIBERO conventions",
            articulation: try urdf("franka"), arms: [arm],
            cameras: [
                MountedCamera(
                    name: "primary", link: "link0", eye: SIMD3(1.05, 0, 0.5), target: SIMD3(0.45, 0, 0),
                    verticalFieldOfView: 45, width: 256, height: 256),
                MountedCamera(
                    name: "wrist", link: "hand", eye: SIMD3(0.07, 0, 0.02), target: SIMD3(0, 0, 0.14),
                    up: SIMD3(1, 0, 0), verticalFieldOfView: 60, width: 256, height: 256),
            ],
            controlModes: [ee, pose, joints], motorGains: MotorGains(position: 0.3, velocity: 1),
            sources: "Plugins/Franka/README.md (F1 frankarobotics/docs, F2 franka_description, F3 franka_ros)")
    }

    public static func droid() throws -> EmbodimentDescriptor {
        let arm = Arm(
            name: "arm", joints: armJoints, tcpLink: "robotiq_base", tcpOffset: Pose(position: SIMD3(0, 0, 0.1302)), home: droidReset,
            gripper: Gripper(joints: ["left_pad_joint", "right_pad_joint"], open: [0.0425, 0.0425], closed: [0, 0], effort: 10))
        let joints = ControlMode.jointPosition(
            name: "droid", arms: [arm], names: [(0..<7).map { "joint_\($0)" }], gripperNames: ["gripper"],
            gripperClosed: 1, gripperOpen: 0, gripperUnit: "0..1 (1 = closed)", rate: 15,
            notes: "DROID / MolmoAct2-DROID: 8-D [q1..q7, gripper], absolute joint positions, gripper 1 = closed")
        return EmbodimentDescriptor(
            name: "franka_droid", summary: "Franka Panda with a Robotiq-2F-85-like gripper; DROID conventions",
            articulation: try urdf("franka_droid"), arms: [arm],
            cameras: [
                MountedCamera(
                    name: "exterior_image_1_left", link: "link0", eye: SIMD3(0.4155, 0.4775, 0.4114), target: SIMD3(0.5, 0, 0),
                    verticalFieldOfView: 71.5, width: 320, height: 180),
                MountedCamera(
                    name: "exterior_image_2_left", link: "link0", eye: SIMD3(0.2596, -0.5001, 0.4369), target: SIMD3(0.5, 0, 0),
                    verticalFieldOfView: 71.5, width: 320, height: 180),
                MountedCamera(
                    name: "wrist_image_left", link: "robotiq_base", eye: SIMD3(-0.075, 0, 0.02), target: SIMD3(0, 0, 0.16),
                    up: SIMD3(-1, 0, 0), verticalFieldOfView: 56.7, width: 320, height: 180),
            ],
            controlModes: [
                joints,
                ControlMode.endEffector(
                    name: "ee_pose", kind: .endEffectorPose, gripperClosed: 1, gripperOpen: 0,
                    gripperUnit: "0..1 (1 = closed)", rate: 15),
            ],
            motorGains: MotorGains(position: 0.3, velocity: 1),
            sources: "Plugins/Franka/README.md (F1, F2, F3, D droid-dataset/droid, M robotiq_2f85)")
    }
}
