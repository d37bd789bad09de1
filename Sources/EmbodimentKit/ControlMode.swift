/// How actions are read.
public enum ControlModeKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Absolute joint positions (+ gripper): DROID, bimanual YAM, LeRobot SO-100/101.
    case jointPosition = "joint_position"
    /// End-effector delta [dx, dy, dz, droll, dpitch, dyaw, gripper] in the base frame (MolmoAct v1 / LIBERO).
    /// Translation in metres; the rotation delta R(droll, dpitch, dyaw) pre-multiplies the current orientation.
    case endEffectorDelta = "ee_delta"
    /// Absolute end-effector pose [x, y, z, roll, pitch, yaw, gripper] in the base frame.
    case endEffectorPose = "ee_pose"
}

/// Where one scalar of a state or action vector comes from or goes to. Values are SI before the channel's
/// `scale` and `offset` (dataset value = SI value * scale + offset).
public enum ChannelSource: Sendable, Hashable {
    /// Joint `index` of arm `arm` (rad or m).
    case joint(arm: Int, index: Int)
    /// The gripper aperture of arm `arm`, 0 = closed ... 1 = open.
    case gripper(arm: Int)
    /// TCP position (axis 0 ... 2) in the base frame, m.
    case tcpPosition(arm: Int, axis: Int)
    /// TCP orientation as URDF roll, pitch, yaw (axis 0 ... 2), rad.
    case tcpRotation(arm: Int, axis: Int)
    /// Change of the TCP position, m.
    case tcpDeltaPosition(arm: Int, axis: Int)
    /// Change of the TCP orientation as roll, pitch, yaw of the rotation applied, rad.
    case tcpDeltaRotation(arm: Int, axis: Int)

    public var arm: Int {
        switch self {
        case .joint(let a, _), .gripper(let a), .tcpPosition(let a, _), .tcpRotation(let a, _),
            .tcpDeltaPosition(let a, _), .tcpDeltaRotation(let a, _):
            a
        }
    }
}

/// One named scalar of a state or action feature, with its dataset mapping.
public struct FeatureChannel: Sendable, Hashable {
    public var name: String
    public var source: ChannelSource
    /// Dataset unit, e.g. "rad", "deg", "m", "aperture 0..1 (1 = open)", "0..100 (100 = open)".
    public var unit: String
    /// dataset value = SI value * scale + offset (a gripper's SI value is the aperture 0 ... 1).
    public var scale: Double
    public var offset: Double

    public init(_ name: String, _ source: ChannelSource, unit: String, scale: Double = 1, offset: Double = 0) {
        self.name = name
        self.source = source
        self.unit = unit
        self.scale = scale
        self.offset = offset
    }

    /// A gripper channel whose dataset value is `openValue` when open and `closedValue` when closed.
    public static func gripper(_ name: String, arm: Int, closedValue: Double, openValue: Double, unit: String) -> FeatureChannel {
        FeatureChannel(name, .gripper(arm: arm), unit: unit, scale: openValue - closedValue, offset: closedValue)
    }

    /// SI value to dataset value.
    public func encode(_ si: Double) -> Double { si * scale + offset }
    /// Dataset value to SI value.
    public func decode(_ value: Double) -> Double { scale == 0 ? 0 : (value - offset) / scale }
}

/// A control mode an embodiment supports, with the layout of its state and action features.
public struct ControlMode: Sendable, Hashable {
    /// Short name (`droid`, `molmoact`, ...); the kind's raw value also selects it.
    public var name: String
    public var kind: ControlModeKind
    public var state: [FeatureChannel]
    public var action: [FeatureChannel]
    /// Control rate of the datasets using this mode, Hz.
    public var rate: Double
    public var notes: String

    public init(name: String, kind: ControlModeKind, state: [FeatureChannel], action: [FeatureChannel], rate: Double, notes: String = "") {
        self.name = name
        self.kind = kind
        self.state = state
        self.action = action
        self.rate = rate
        self.notes = notes
    }

    /// The LeRobot-style feature schema of this mode: `observation.state`, `action` and one image per camera.
    public func features(cameras: [MountedCamera]) -> [FeatureSpec] {
        [
            FeatureSpec(key: "observation.state", dtype: "float32", shape: [state.count], names: state.map(\.name)),
            FeatureSpec(key: "action", dtype: "float32", shape: [action.count], names: action.map(\.name)),
        ]
            + cameras.map {
                FeatureSpec(
                    key: "observation.images.\($0.name)", dtype: "video", shape: [$0.height, $0.width, 3],
                    names: ["height", "width", "channels"])
            }
    }
}

/// One dataset feature: key, element type, shape and per-axis names (LeRobot `info.json` style).
public struct FeatureSpec: Sendable, Hashable {
    public var key: String
    public var dtype: String
    public var shape: [Int]
    public var names: [String]
    public init(key: String, dtype: String, shape: [Int], names: [String]) {
        self.key = key
        self.dtype = dtype
        self.shape = shape
        self.names = names
    }
}

// MARK: - Common layouts

extension ControlMode {
    /// Joint positions of every arm followed by its gripper, in arm order.
    public static func jointPosition(
        name: String, arms: [Arm], names: [[String]], gripperNames: [String?],
        jointUnit: String = "rad", jointScale: Double = 1,
        gripperClosed: Double, gripperOpen: Double, gripperUnit: String, rate: Double,
        notes: String = ""
    ) -> ControlMode {
        var channels: [FeatureChannel] = []
        for (a, arm) in arms.enumerated() {
            for k in arm.joints.indices {
                channels.append(FeatureChannel(names[a][k], .joint(arm: a, index: k), unit: jointUnit, scale: jointScale))
            }
            if let g = gripperNames[a] {
                channels.append(.gripper(g, arm: a, closedValue: gripperClosed, openValue: gripperOpen, unit: gripperUnit))
            }
        }
        return ControlMode(name: name, kind: .jointPosition, state: channels, action: channels, rate: rate, notes: notes)
    }

    /// Single-arm end-effector layouts: state = absolute TCP pose + gripper, action = delta or absolute pose + gripper.
    public static func endEffector(
        name: String, kind: ControlModeKind, arm: Int = 0, gripperClosed: Double = 0,
        gripperOpen: Double = 1, gripperUnit: String = "aperture 0..1 (1 = open)",
        rate: Double, notes: String = ""
    ) -> ControlMode {
        precondition(kind != .jointPosition)
        let axes = ["x", "y", "z"]
        let rot = ["roll", "pitch", "yaw"]
        var state = (0..<3).map { FeatureChannel(axes[$0], .tcpPosition(arm: arm, axis: $0), unit: "m") }
        state += (0..<3).map { FeatureChannel(rot[$0], .tcpRotation(arm: arm, axis: $0), unit: "rad") }
        state.append(.gripper("gripper", arm: arm, closedValue: gripperClosed, openValue: gripperOpen, unit: gripperUnit))
        var action: [FeatureChannel]
        if kind == .endEffectorDelta {
            action = (0..<3).map { FeatureChannel("d" + axes[$0], .tcpDeltaPosition(arm: arm, axis: $0), unit: "m") }
            action += (0..<3).map { FeatureChannel("d" + rot[$0], .tcpDeltaRotation(arm: arm, axis: $0), unit: "rad") }
            action.append(.gripper("gripper", arm: arm, closedValue: gripperClosed, openValue: gripperOpen, unit: gripperUnit))
        } else {
            action = state
        }
        return ControlMode(name: name, kind: kind, state: state, action: action, rate: rate, notes: notes)
    }
}
