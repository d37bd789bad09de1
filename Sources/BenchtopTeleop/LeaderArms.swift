import Foundation

/// One motor's entry of a LeRobot calibration file (`lerobot/motors/motors_bus.py` `MotorCalibration`; files under
/// `~/.cache/huggingface/lerobot/calibration/teleoperators/so_leader/<id>.json`, written by `lerobot-calibrate`).
public struct MotorCalibration: Sendable, Equatable, Codable {
    public var id: Int
    public var driveMode: Int
    public var homingOffset: Int
    public var rangeMin: Int
    public var rangeMax: Int
    enum CodingKeys: String, CodingKey {
        case id
        case driveMode = "drive_mode"
        case homingOffset = "homing_offset"
        case rangeMin = "range_min"
        case rangeMax = "range_max"
    }
    public init(id: Int, driveMode: Int, homingOffset: Int, rangeMin: Int, rangeMax: Int) {
        (self.id, self.driveMode, self.homingOffset, self.rangeMin, self.rangeMax) = (id, driveMode, homingOffset, rangeMin, rangeMax)
    }
}

/// The SO-100/101 leader arm: six STS3215 servos (ids 1-6) on a Feetech bus, read like LeRobot 0.6.1's `SOLeader`
/// (`use_degrees=True`): on connect, torque off, lock off and the calibration written to the servos (Homing_Offset,
/// Min/Max_Position_Limit, as `write_calibration` does); then each read is one sync read of Present_Position,
/// normalised as `MotorsBus._normalize`: body joints in degrees `(p - (min+max)/2) * 360 / 4095`, the gripper
/// `(p - min) / (max - min) * 100` after clamping to the range, `100 - value` when its `drive_mode` is 1 (degrees ignore it).
/// These are exactly the values of Benchtop's SO arms' `lerobot` control mode, so the leader drives the sim arm
/// joint for joint.
public final class SOLeaderArm: Teleoperator {
    public static let motors = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]
    public static let defaultBaudRate = 1_000_000  // LeRobot's Feetech default
    public let name = "so_leader"
    public let calibration: [String: MotorCalibration]
    let bus: FeetechBus

    /// Reads a LeRobot calibration file; every one of the six motors must be present with a usable range.
    public static func loadCalibration(path: String) throws -> [String: MotorCalibration] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TeleopDeviceError(
                "cannot read the calibration file \(path) (LeRobot writes it with lerobot-calibrate --teleop.type=so101_leader)")
        }
        let table: [String: MotorCalibration]
        do { table = try JSONDecoder().decode([String: MotorCalibration].self, from: data) } catch {
            throw TeleopDeviceError(
                "\(path): not a LeRobot calibration file (motor -> {id, drive_mode, homing_offset, range_min, range_max}): \(error)")
        }
        for motor in motors {
            guard let c = table[motor] else { throw TeleopDeviceError("\(path): motor '\(motor)' is missing") }
            guard c.rangeMax > c.rangeMin, (0...4095).contains(c.rangeMin), (0...4095).contains(c.rangeMax) else {
                throw TeleopDeviceError("\(path): \(motor).range_min/range_max: expected 0 <= min < max <= 4095, got \(c.rangeMin), \(c.rangeMax)")
            }
            guard (1...253).contains(c.id), (0...1).contains(c.driveMode), abs(c.homingOffset) < 2048 else {
                throw TeleopDeviceError("\(path): \(motor): id 1...253, drive_mode 0 or 1, |homing_offset| < 2048 expected")
            }
        }
        return table
    }

    public init(port: String, baudRate: Int = defaultBaudRate, calibrationFile: String) throws {
        calibration = try Self.loadCalibration(path: calibrationFile)
        bus = FeetechBus(port: try SerialPort(path: port, baudRate: baudRate))
        for motor in Self.motors {
            let c = calibration[motor]!
            let id = UInt8(c.id)
            try bus.write(id: id, register: .torqueEnable, value: 0, size: 1)
            try bus.write(id: id, register: .lock, value: 0, size: 1)
            try bus.write(id: id, register: .homingOffset, value: FeetechBus.encodeSigned(c.homingOffset, bit: 11), size: 2)
            try bus.write(id: id, register: .minPositionLimit, value: c.rangeMin, size: 2)
            try bus.write(id: id, register: .maxPositionLimit, value: c.rangeMax, size: 2)
        }
    }

    /// LeRobot's normalisation of one Present_Position reading.
    public static func normalize(_ position: Int, motor: String, calibration c: MotorCalibration) -> Double {
        let (lo, hi) = (Double(c.rangeMin), Double(c.rangeMax))
        let p = Double(position)
        if motor == "gripper" {
            let v = (min(hi, max(lo, p)) - lo) / (hi - lo) * 100
            return c.driveMode == 1 ? 100 - v : v
        }
        return (p - (lo + hi) / 2) * 360 / 4095
    }

    /// The six positions in LeRobot units (degrees, gripper 0 ... 100), in `motors` order.
    public func positions() throws -> [Double] {
        let ids = Self.motors.map { UInt8(calibration[$0]!.id) }
        let raw = try bus.syncRead(ids: ids, register: .presentPosition, size: 2)
        return try Self.motors.map { motor in
            let id = UInt8(calibration[motor]!.id)
            guard let r = raw[id] else { throw TeleopDeviceError("servo \(id) (\(motor)) did not answer") }
            return Self.normalize(FeetechBus.decodeSigned(r, bit: 15), motor: motor, calibration: calibration[motor]!)
        }
    }

    public func read() throws -> TeleopCommand {
        var c = TeleopCommand()
        c.jointAction = try positions()
        return c
    }

    public func disconnect() {}
}

/// A GELLO-style Dynamixel leader (Protocol 2.0, X-series servos), configured as GELLO's `DynamixelRobotConfig`
/// (wuphilipp/gello_software `gello/agents/gello_agent.py`, `gello/robots/dynamixel.py`): joint i =
/// `(counts * 2π / 4096 - joint_offsets[i]) * joint_signs[i]` rad, and the gripper servo's angle mapped from
/// `gripper_config = [id, open_degrees, closed_degrees]` to 0 (open) ... 1 (closed), clamped.
public struct GelloConfiguration: Sendable, Equatable, Codable {
    public var port: String
    public var baudrate: Int?
    public var jointIDs: [Int]
    public var jointOffsets: [Double]
    public var jointSigns: [Int]
    public var gripperConfig: [Double]?
    enum CodingKeys: String, CodingKey {
        case port, baudrate
        case jointIDs = "joint_ids"
        case jointOffsets = "joint_offsets"
        case jointSigns = "joint_signs"
        case
            gripperConfig = "gripper_config"
    }

    func validate(_ where: String) throws {
        guard !jointIDs.isEmpty, jointOffsets.count == jointIDs.count, jointSigns.count == jointIDs.count else {
            throw TeleopDeviceError("\(`where`): joint_ids, joint_offsets and joint_signs must have the same, non-zero length")
        }
        guard jointSigns.allSatisfy({ $0 == 1 || $0 == -1 }) else { throw TeleopDeviceError("\(`where`).joint_signs: each must be 1 or -1") }
        if let g = gripperConfig, g.count != 3 || g[1] == g[2] {
            throw TeleopDeviceError("\(`where`).gripper_config: expected [id, open_degrees, closed_degrees] with open != closed")
        }
    }
}

/// Dynamixel leader arms for the bimanual YAM (`yam_dual`: six joints and a gripper 0 = closed ... 1 = open per arm,
/// left then right) or any joint-position mode whose arms they match. The file is JSON: `{"left": GELLO config,
/// "right": GELLO config}` (one U2D2 and port per arm), or a single GELLO config for a one-arm robot.
public final class DynamixelLeaderArms: Teleoperator {
    public static let defaultBaudRate = 57600  // GELLO's default
    public let name = "dynamixel_leader"
    public let arms: [GelloConfiguration]
    let buses: [DynamixelBus]

    public static func loadConfiguration(path: String) throws -> [GelloConfiguration] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TeleopDeviceError("cannot read the leader file \(path)") }
        let decoder = JSONDecoder()
        let arms: [(String, GelloConfiguration)]
        if let pair = try? decoder.decode([String: GelloConfiguration].self, from: data), let l = pair["left"], let r = pair["right"] {
            arms = [("\(path): left", l), ("\(path): right", r)]
        } else {
            do { arms = [(path, try decoder.decode(GelloConfiguration.self, from: data))] } catch {
                throw TeleopDeviceError(
                    "\(path): expected a GELLO config {port, joint_ids, joint_offsets, joint_signs, gripper_config} or {\"left\": ..., \"right\": ...}: \(error)"
                )
            }
        }
        for (place, arm) in arms { try arm.validate(place) }
        return arms.map(\.1)
    }

    public init(configurationFile: String) throws {
        arms = try Self.loadConfiguration(path: configurationFile)
        buses = try arms.map { DynamixelBus(port: try SerialPort(path: $0.port, baudRate: $0.baudrate ?? Self.defaultBaudRate)) }
        for (arm, bus) in zip(arms, buses) {
            for id in Self.ids(arm) { try bus.write(id: UInt8(id), register: .torqueEnable, value: 0, size: 1) }
        }
    }

    static func ids(_ arm: GelloConfiguration) -> [Int] { arm.jointIDs + (arm.gripperConfig.map { [Int($0[0])] } ?? []) }

    /// GELLO's conversion of one arm's raw counts (joint ids then the gripper id) to joints (rad) and a gripper
    /// closing fraction.
    public static func convert(_ counts: [Int], arm: GelloConfiguration) -> (joints: [Double], closed: Double?) {
        let joints = arm.jointIDs.indices.map { i in
            (Double(counts[i]) * 2 * .pi / 4096 - arm.jointOffsets[i]) * Double(arm.jointSigns[i])
        }
        guard let g = arm.gripperConfig else { return (joints, nil) }
        let angle = Double(counts[arm.jointIDs.count]) * 2 * .pi / 4096
        let (open, closed) = (g[1] * .pi / 180, g[2] * .pi / 180)
        return (joints, min(max((angle - open) / (closed - open), 0), 1))
    }

    /// Per arm: the joints, then the gripper as 1 = open (Benchtop's joint modes; GELLO's 1 means closed).
    public func read() throws -> TeleopCommand {
        var action: [Double] = []
        for (arm, bus) in zip(arms, buses) {
            let ids = Self.ids(arm)
            let raw = try bus.syncRead(ids: ids.map { UInt8($0) }, register: .presentPosition, size: 4)
            let counts = try ids.map { id in
                guard let v = raw[UInt8(id)] else { throw TeleopDeviceError("\(arm.port): servo \(id) did not answer") }
                return v
            }
            let (joints, closed) = Self.convert(counts, arm: arm)
            action += joints
            if let closed { action.append(1 - closed) }
        }
        var c = TeleopCommand()
        c.jointAction = action
        return c
    }

    public func disconnect() {}
}
