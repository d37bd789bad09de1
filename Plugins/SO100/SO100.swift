import BenchtopCore
import EmbodimentKit
import Foundation

/// The SO-100 and SO-101 arms (5 joints + a rotary jaw) with LeRobot's `so_follower` conventions: 6-D state and
/// action `shoulder_pan.pos` ... `gripper.pos`, body joints in degrees about the middle of each joint's range,
/// gripper 0 ... 100 with 100 = open; cameras `front` + `wrist`, 640 x 480 at 30 fps.
public enum SOPlugin: EmbodimentPlugin {
    /// LeRobot motor names, ids 1 ... 6.
    public static let jointNames = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll"]

    public static func makeEmbodiments() throws -> [EmbodimentDescriptor] { [try so101(), try so100()] }

    static func urdf(_ name: String) throws -> ArticulationSpec {
        guard let url = Bundle.module.url(forResource: name, withExtension: "urdf") else {
            throw EmbodimentError(embodiment: name, field: "urdf", "resource \(name).urdf missing from the plugin bundle")
        }
        return try URDF.load(path: url.path)
    }

    /// LeRobot's 6-D joint layout: degrees about each body joint's mid-range, gripper 0 ... 100 (100 = open).
    static func lerobotMode(arm: Arm, midRange: [Double]) -> ControlMode {
        let deg = 180 / Double.pi
        var channels = jointNames.enumerated().map { k, name in
            FeatureChannel("\(name).pos", .joint(arm: 0, index: k), unit: "deg about mid-range", scale: deg, offset: -midRange[k] * deg)
        }
        channels.append(.gripper("gripper.pos", arm: 0, closedValue: 0, openValue: 100, unit: "0..100 (100 = open)"))
        return ControlMode(
            name: "lerobot", kind: .jointPosition, state: channels, action: channels, rate: 30,
            notes:
                "LeRobot so_follower: 6-D absolute goal positions, body joints in degrees about mid-range, gripper 0..100 (100 = open; linear over the jaw range, an assumption)"
        )
    }

    static func descriptor(
        name: String, summary: String, spec: ArticulationSpec, arm: Arm, midRange: [Double], wrist: MountedCamera,
        sources: String
    ) -> EmbodimentDescriptor {
        // front: a webcam 0.6 m in front of the base looking back at the workspace (HFOV 70 deg, chosen).
        let front = MountedCamera(
            name: "front", link: spec.links[0].name, eye: SIMD3(0.6, 0, 0.4), target: SIMD3(0.2, 0, 0),
            verticalFieldOfView: 2 * atan(tan(35 * Double.pi / 180) * 0.75) * 180 / .pi, width: 640, height: 480)
        return EmbodimentDescriptor(
            name: name, summary: summary, articulation: spec, arms: [arm], cameras: [front, wrist],
            controlModes: [
                lerobotMode(arm: arm, midRange: midRange),
                ControlMode.endEffector(name: "ee_pose", kind: .endEffectorPose, rate: 30),
                ControlMode.endEffector(name: "ee_delta", kind: .endEffectorDelta, rate: 30),
            ],
            defaultBase: defaultBase,
            motorGains: MotorGains(position: 0.5, velocity: 1), sources: sources)
    }

    /// Where a scene made for a larger arm places an SO: at the table edge 0.27 m closer to the objects than the
    /// Franka base, so that the scenes' objects (0.45 ... 0.55 m from the Franka base) lie 0.18 ... 0.30 m in
    /// front of it, inside the reach of a top-down grasp (about 0.32 m at table height; derived by IK).
    public static let defaultBase = Pose(position: SIMD3(0.27, 0, 0.75))

    /// Wrist camera HFOV 77.3 deg (M so101 `wrist_cam`) at 640 x 480.
    static let wristFOV = 2 * atan(tan(77.3 / 2 * Double.pi / 180) * 0.75) * 180 / .pi

    /// SO-101, new calibration: the URDF zero is the middle of every joint's range, so dataset degrees map
    /// directly onto the joint angles.
    public static func so101() throws -> EmbodimentDescriptor {
        let spec = try urdf("so101")
        let arm = Arm(
            name: "arm", joints: jointNames, tcpLink: "gripper",
            tcpOffset: Pose(position: SIMD3(0.012, -0.000218, -0.098127), orientation: Quaternion(roll: 0, pitch: .pi, yaw: 0)),
            home: [0, 0, 0, 0, 0],
            gripper: Gripper(joints: ["gripper"], open: [1.7453292], closed: [-0.174533], effort: 0.3, fixedJawFace: 0.02))
        let wrist = MountedCamera(
            name: "wrist", link: "gripper",
            offset: Pose(position: SIMD3(0, 0.055, -0.045), orientation: Quaternion(roll: -0.57, pitch: 0, yaw: 0)),
            verticalFieldOfView: wristFOV, width: 640, height: 480)
        return descriptor(
            name: "so101", summary: "SO-101 (new calibration) with its rotary jaw; LeRobot so_follower conventions",
            spec: spec, arm: arm, midRange: [0, 0, 0, 0, 0], wrist: wrist,
            sources: "Plugins/SO100/README.md (S TheRobotStudio/SO-ARM100 so101_new_calib.urdf, M robotstudio_so101, L lerobot)")
    }

    /// SO-100 (Menagerie model): zero is the arm stretched forward, so dataset degrees are offset by each
    /// joint's mid-range.
    public static func so100() throws -> EmbodimentDescriptor {
        let spec = try urdf("so100")
        let lower = [-2.2, -3.14158, 0, -2.0, -3.14158]
        let upper = [2.2, 0.2, 3.14158, 1.8, 3.14158]
        let mid = zip(lower, upper).map { ($0 + $1) / 2 }
        let arm = Arm(
            name: "arm", joints: jointNames, tcpLink: "Fixed_Jaw",
            tcpOffset: Pose(position: SIMD3(-0.012, -0.098, 0), orientation: Quaternion(roll: .pi / 2, pitch: 0, yaw: 0)),
            home: mid,
            gripper: Gripper(joints: ["gripper"], open: [2.0], closed: [-0.2], effort: 0.3, fixedJawFace: 0.02))
        let wrist = MountedCamera(
            name: "wrist", link: "Fixed_Jaw", eye: SIMD3(0, -0.045, 0.055), target: SIMD3(0, -0.131, 0),
            up: SIMD3(0, 1, 0), verticalFieldOfView: wristFOV, width: 640, height: 480)
        return descriptor(
            name: "so100", summary: "SO-100 (Menagerie trs_so_arm100, fitted primitive links); LeRobot so_follower conventions",
            spec: spec, arm: arm, midRange: mid, wrist: wrist,
            sources: "Plugins/SO100/README.md (M trs_so_arm100/so_arm100.xml, L lerobot)")
    }
}
