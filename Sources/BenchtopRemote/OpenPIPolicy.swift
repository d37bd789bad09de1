import BenchtopCore
import BenchtopPolicy
import Foundation

/// How an observation is laid out for an openpi server: the keys its policy config's input transforms read, as
/// openpi's own example clients fill them (docs/remote-policies.md lists each and where Benchtop differs).
public enum OpenPIObservationLayout: String, Sendable, CaseIterable {
    /// `observation/image`, `observation/wrist_image` (HWC uint8), `observation/state` (8 values: end-effector
    /// position, axis-angle, two finger positions), `prompt` (openpi examples/libero/main.py).
    case libero
    /// `observation/exterior_image_1_left`, `observation/wrist_image_left`, `observation/joint_position` (state[0..<7]),
    /// `observation/gripper_position` (state[7...]), `prompt` (openpi examples/droid/main.py).
    case droid
    /// `images` {`cam_high`, `cam_left_wrist`, `cam_right_wrist`} channel-first (C, H, W) uint8, `state`, `prompt`
    /// (openpi examples/aloha_sim/env.py; `AlohaInputs` rearranges "c h w -> h w c").
    case aloha

    /// The camera keys and the Benchtop cameras they take (by name, `CameraSelection`).
    public var cameraSlots: [CameraSlot] {
        switch self {
        case .libero: [CameraSlot("observation/image", .primary), CameraSlot("observation/wrist_image", .wrist)]
        case .droid: [CameraSlot("observation/exterior_image_1_left", .primary), CameraSlot("observation/wrist_image_left", .wrist)]
        case .aloha:
            [
                CameraSlot("cam_high", .primary), CameraSlot("cam_left_wrist", .leftWrist, required: false),
                CameraSlot("cam_right_wrist", .rightWrist, required: false),
            ]
        }
    }

    /// The conversion the layout's checkpoints need by default: LIBERO policies answer robosuite OSC actions, the
    /// DROID ones joint velocities; ALOHA ones absolute joint positions (sent on unchanged).
    public var defaultActions: OpenPIActionConversion {
        switch self {
        case .libero: .robosuiteOSC
        case .droid: .jointVelocity
        case .aloha: .raw
        }
    }

    /// openpi's LIBERO state from Benchtop's: 8 values pass through; the franka `molmoact` mode's 7 (position,
    /// roll-pitch-yaw, aperture 0..1) become position, axis-angle (robosuite `quat2axisangle`) and the Panda
    /// gripper's two finger joints (robosuite: +0.04 and -0.04 m open).
    static func liberoState(_ state: [Double]) throws -> [Double] {
        if state.count == 8 { return state }
        guard state.count == 7 else {
            throw PolicyError.invalidAction(
                "the openpi libero layout needs an 8-value state (position, axis-angle, 2 finger positions) or the franka molmoact mode's 7; got \(state.count)"
            )
        }
        let aa = AxisAngle.from(Quaternion(roll: state[3], pitch: state[4], yaw: state[5]))
        let finger = 0.04 * min(max(state[6], 0), 1)
        return [state[0], state[1], state[2], aa.x, aa.y, aa.z, finger, -finger]
    }

    func encode(_ o: Observation, cameras: CameraSelection) throws -> MsgpackValue {
        let images = try cameras.images(for: cameraSlots, in: o, client: "openpi \(rawValue) layout")
        func hwc(_ c: CameraImage) -> MsgpackValue { MsgpackNumpy.image(c.rgb.pixels, height: c.rgb.height, width: c.rgb.width) }
        func key(_ k: String) -> MsgpackValue { .string(k) }
        switch self {
        case .libero:
            return .map(
                images.map { (key($0.key), hwc($0.image)) }
                    + [(key("observation/state"), MsgpackNumpy.float32(try Self.liberoState(o.state))), (key("prompt"), .string(o.instruction))])
        case .droid:
            guard o.state.count >= 8 else {
                throw PolicyError.invalidAction("the openpi droid layout needs 8 state values (7 joints + gripper); got \(o.state.count)")
            }
            return .map(
                images.map { (key($0.key), hwc($0.image)) }
                    + [
                        (key("observation/joint_position"), MsgpackNumpy.float32(Array(o.state[0..<7]))),
                        (key("observation/gripper_position"), MsgpackNumpy.float32(Array(o.state[7...]))),
                        (key("prompt"), .string(o.instruction)),
                    ])
        case .aloha:
            let cams = images.map { (key($0.key), Self.channelFirst($0.image.rgb)) }
            return .map([(key("images"), .map(cams)), (key("state"), MsgpackNumpy.float32(o.state)), (key("prompt"), .string(o.instruction))])
        }
    }

    /// An RGB image as a (3, H, W) uint8 array.
    static func channelFirst(_ image: RGBImage) -> MsgpackValue {
        let n = image.width * image.height
        var planar = [UInt8](repeating: 0, count: 3 * n)
        image.pixels.withUnsafeBufferPointer { src in
            for i in 0..<n {
                planar[i] = src[3 * i]
                planar[n + i] = src[3 * i + 1]
                planar[2 * n + i] = src[3 * i + 2]
            }
        }
        return MsgpackNumpy.array(data: planar, dtype: "|u1", shape: [3, image.height, image.width])
    }
}

/// What the openpi client does to the actions a server answers before the robot runs them.
public enum OpenPIActionConversion: String, Sendable, CaseIterable {
    /// Run them as they are.
    case raw
    /// LIBERO: robosuite OSC deltas to metres and radians (`ActionUnits.robosuiteOSC`), gripper -1 open / +1 close
    /// to the franka modes' aperture (1 open).
    case robosuiteOSC = "robosuite-osc"
    /// DROID: `[7 joint velocities, gripper]` to absolute joint targets, as DROID's `RobotEnv(action_space=
    /// "joint_velocity")` does (droid `robot_ik_solver.py` `joint_velocity_to_delta`: clip to [-1, 1], scaled so the
    /// largest is at most 1, times 0.2 rad per tick), integrated from the joints observed at the query; the gripper
    /// binarised at 0.5 (1 closed), as openpi's DROID client does.
    case jointVelocity = "joint-velocity"

    /// DROID's largest joint step per tick for a velocity of 1.
    public static let droidMaxJointDelta = 0.2

    func convert(_ actions: [[Double]], observation: Observation) throws -> [[Double]] {
        switch self {
        case .raw:
            return actions
        case .robosuiteOSC:
            return actions.map { a in
                var m = ActionUnits.robosuiteOSC.toMetric(a)
                if m.count >= 7 { m[6] = min(max((1 - a[6]) / 2, 0), 1) }
                return m
            }
        case .jointVelocity:
            guard observation.state.count >= 7 else {
                throw PolicyError.invalidAction(
                    "joint-velocity actions need the 7 observed joint positions in the state; got \(observation.state.count) values")
            }
            var q = Array(observation.state[0..<7])
            return try actions.map { a in
                guard a.count == 8 else {
                    throw PolicyError.invalidAction("a DROID joint-velocity action has 8 values (7 velocities + gripper); got \(a.count)")
                }
                var v = a[0..<7].map { min(max($0, -1), 1) }
                let largest = v.map(abs).max() ?? 0
                if largest > 1 { v = v.map { $0 / largest } }
                for j in 0..<7 { q[j] += v[j] * Self.droidMaxJointDelta }
                return q + [a[7] > 0.5 ? 1 : 0]
            }
        }
    }
}

/// Timing an openpi server reports with each answer.
public struct OpenPIServerTiming: Sendable, Equatable {
    public var inferMilliseconds: Double?
    /// The previous request's round trip as the server measured it (absent on the first answer).
    public var previousTotalMilliseconds: Double?
    /// The policy's own `policy_timing.infer_ms`, when present.
    public var policyInferMilliseconds: Double?
}

/// A client of openpi's websocket policy server (pi0 / pi0.5 and any `WebsocketPolicyServer`): binary msgpack
/// frames in openpi-client's numpy convention; the server's metadata arrives first; a text frame is the server's
/// traceback. Reconnects (with retries) when the connection drops between queries.
public final class OpenPIPolicy: Policy {
    public let name: String
    public let host: String
    public let port: Int
    public var layout: OpenPIObservationLayout
    public var settings: RemoteSettings
    public var apiKey: String?
    /// Which Benchtop camera each image key takes.
    public var cameras = CameraSelection()
    /// What is done to the answered actions (default: the layout's).
    public var actionConversion: OpenPIActionConversion
    /// The metadata map the server sent on the current connection.
    public private(set) var metadata: MsgpackValue?
    public private(set) var lastTiming: OpenPIServerTiming?
    /// The whole last answer (e.g. for keys other than `actions`).
    public private(set) var lastResponse: MsgpackValue?
    private var socket: WebSocketClient?
    private let link: ServerLink

    public init(
        host: String, port: Int, layout: OpenPIObservationLayout = .libero, settings: RemoteSettings = RemoteSettings(), apiKey: String? = nil,
        actionConversion: OpenPIActionConversion? = nil
    ) {
        self.host = host
        self.port = port
        self.layout = layout
        self.settings = settings
        self.apiKey = apiKey
        self.actionConversion = actionConversion ?? layout.defaultActions
        self.link = ServerLink(settings)
        self.name = "openpi@\(host):\(port)"
    }

    deinit { socket?.close() }

    private var server: String { "openpi server ws://\(host):\(port)" }

    /// Connects if needed and returns the socket; reads the metadata frame.
    private func connected() throws -> WebSocketClient {
        if let s = socket, s.isOpen { return s }
        let s = try WebSocketClient(
            host: host, port: port, headers: apiKey.map { ["Authorization": "Api-Key \($0)"] } ?? [:], timeout: settings.timeout)
        s.maxMessageBytes = settings.maxResponseBytes
        switch try s.receive() {
        case .binary(let b):
            do { metadata = try Msgpack.decode(b) } catch { throw PolicyError.server("\(server): metadata frame: \(error)") }
        case .text(let t):
            throw PolicyError.server("\(server) sent text instead of its metadata: \(t.prefix(2000))")
        }
        socket = s
        return s
    }

    /// Opens the connection (openpi's reset sends nothing; the metadata is read here).
    public func reset(instruction: String, seed: UInt64) throws {
        _ = try withRetries(settings, server: server, link: link) { try connected() }
    }

    /// The msgpack frame for an observation.
    public func encode(_ observation: Observation) throws -> [UInt8] {
        var payload: [UInt8] = []
        Msgpack.encode(try layout.encode(observation, cameras: cameras), into: &payload)
        return payload
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        let payload = try encode(observation)
        let limit = link.queryTimeout
        let chunk = try withRetries(settings, server: server, link: link, limit: limit) { () throws -> ActionChunk in
            let s = try connected()
            s.timeout = limit
            do {
                try s.send(binary: payload)
            } catch let e as TransportError {
                socket = nil
                throw e
            }
            let reply: WebSocketMessage
            do { reply = try s.receive() } catch let e as TransportError {
                socket?.close()
                socket = nil
                // A connection dropped before any answer (a server restart) is retried on a new one: inference on the
                // same observation again is harmless. A close frame other than 1001 (going away) is the server's answer.
                if case .closed = e, s.closeStatus == nil || s.closeStatus?.code == 1001 { throw e }
                if case .timeout = e { throw e }
                throw PolicyError.server("\(server): \(e)")
            }
            switch reply {
            case .text(let traceback):
                socket?.close()
                socket = nil
                throw PolicyError.server("\(server) reported an error:\n\(traceback.prefix(4000))")
            case .binary(let bytes):
                return try decode(bytes)
            }
        }
        link.answered = true
        socket?.timeout = settings.timeout
        return ActionChunk(actions: try actionConversion.convert(chunk.actions, observation: observation), reasoning: chunk.reasoning)
    }

    /// Decodes an answer frame (`actions` as an (H, D) or (D) array) and notes its timing.
    public func decode(_ bytes: [UInt8]) throws -> ActionChunk {
        let v: MsgpackValue
        do { v = try Msgpack.decode(bytes) } catch { throw PolicyError.malformedOutput(field: "response", detail: "\(error)") }
        lastResponse = v
        guard let a = v["actions"] else { throw PolicyError.malformedOutput(field: "actions", detail: "missing from the server's answer") }
        let (values, shape) = try MsgpackNumpy.decode(a, field: "actions")
        let actions: [[Double]]
        switch shape.count {
        case 1: actions = [values]
        case 2: actions = (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        default: throw PolicyError.malformedOutput(field: "actions", detail: "shape \(shape), expected (H, D) or (D)")
        }
        lastTiming = OpenPIServerTiming(
            inferMilliseconds: v["server_timing"]?["infer_ms"]?.double,
            previousTotalMilliseconds: v["server_timing"]?["prev_total_ms"]?.double,
            policyInferMilliseconds: v["policy_timing"]?["infer_ms"]?.double)
        return ActionChunk(actions: actions)
    }

    /// Closes the connection.
    public func close() {
        socket?.close()
        socket = nil
    }
}
