import Foundation

/// Episode controls during recording (lerobot-record's keys).
public enum TeleopEvent: Sendable, Equatable {
    /// Start the episode from the "ready" prompt (Enter; gamepad A; SpaceMouse left button while ready).
    case start
    /// Save the episode and go on to the next one (Right arrow; gamepad Y).
    case saveAndNext
    /// Discard the episode and record it again (Left arrow; gamepad X).
    case rerecord
    /// Save what exists and stop (Esc; gamepad B).
    case stop
    /// Bimanual: control the other arm (Tab).
    case switchArm
    /// Bimanual: move both arms together (B).
    case togglePairedArms
}

/// What a teleoperator asks for at one moment. Cartesian devices (keyboard, gamepad, SpaceMouse, mouse target) fill
/// the rates and gripper commands; leader arms fill `jointAction`, the robot's action vector joint for joint.
///
/// Rates are in the **operator frame**, -1 ... 1 per axis: +x away from the viewer on screen (along the table),
/// +y to the screen's left, +z up (world z). Rotation rates turn about those same axes (roll about the viewing
/// direction, pitch about the screen's left, yaw about up). `OperatorView` turns them into the world frame.
public struct TeleopCommand: Sendable, Equatable {
    public var translation = SIMD3<Double>(0, 0, 0)
    public var rotation = SIMD3<Double>(0, 0, 0)
    /// Toggle the gripper once (keyboard Space, on release).
    public var toggleGripper = false
    /// Hold-to-command gripper (gamepad shoulders, SpaceMouse buttons): true closes, false opens, nil leaves it.
    public var gripper: Bool?
    /// A world point the active TCP moves towards (mouse target marker).
    public var dragTarget: SIMD3<Double>?
    /// Leader arms: the full action vector of the robot's control mode (no inverse kinematics).
    public var jointAction: [Double]?
    public var events: [TeleopEvent] = []
    public init() {}

    /// Combines two devices read in the same frame (e.g. a SpaceMouse for motion, the keyboard for episode keys).
    public func merged(with other: TeleopCommand) -> TeleopCommand {
        var m = self
        m.translation += other.translation
        m.rotation += other.rotation
        m.toggleGripper = toggleGripper || other.toggleGripper
        m.gripper = other.gripper ?? gripper
        m.dragTarget = other.dragTarget ?? dragTarget
        m.jointAction = other.jointAction ?? jointAction
        m.events = events + other.events
        return m
    }
}

/// A device that produces teleoperation commands (LeRobot's `Teleoperator`: `connect`, `get_action`, `disconnect`).
/// The robot side (`TeleopMapper` in BenchtopRecording) consumes them; a device never touches the simulation.
public protocol Teleoperator: AnyObject {
    /// A short name for messages ("keyboard", "spacemouse", "so101_leader").
    var name: String { get }
    /// Reads the device once: what the operator asks for now. Called once per control tick (or per viewer frame for
    /// devices read through the viewer window).
    func read() throws -> TeleopCommand
    func disconnect()
}

/// Where the operator looks from: the horizontal direction of the viewer's camera. Rates in the operator frame
/// (+x away from the viewer) become world rates, so that W always moves the gripper away on screen.
public struct OperatorView: Sendable, Equatable {
    /// Azimuth of the eye about the target, radians from world +x (the viewer's `OrbitCamera.azimuth`).
    public var azimuth: Double
    public init(azimuth: Double) { self.azimuth = azimuth }

    /// Horizontal unit vector pointing away from the viewer (into the screen).
    public var forward: SIMD3<Double> { SIMD3(-cos(azimuth), -sin(azimuth), 0) }
    /// Horizontal unit vector pointing to the screen's left.
    public var left: SIMD3<Double> { SIMD3(sin(azimuth), -cos(azimuth), 0) }

    /// An operator-frame vector (forward, left, up) in the world frame.
    public func world(_ v: SIMD3<Double>) -> SIMD3<Double> { v.x * forward + v.y * left + SIMD3(0, 0, v.z) }

    /// Screen-left coordinate of a world point (larger = further left on screen), for naming arms by their side.
    public func leftness(of p: SIMD3<Double>) -> Double { (p * left).sum() }
}
