import BenchtopCore
import BenchtopPolicy
import Foundation

/// How an observation is laid out for an openpi server; the keys its policy config's input transforms read.
public enum OpenPIObservationLayout: String, Sendable, CaseIterable {
    /// `observation/image`, `observation/wrist_image`, `observation/state`, `prompt` (openpi examples/libero).
    case libero
    /// `observation/exterior_image_1_left`, `observation/wrist_image_left`, `observation/joint_position` (state[0..<7]),
    /// `observation/gripper_position` (state[7...]), `prompt` (openpi examples/droid).
    case droid
    /// `images` {`cam_high`, `cam_left_wrist`, `cam_right_wrist`}, `state`, `prompt` (openpi examples/aloha_real).
    case aloha

    func encode(_ o: Observation) throws -> MsgpackValue {
        func image(_ i: Int) -> MsgpackValue {
            let im = o.images[i].rgb
            return MsgpackNumpy.image(im.pixels, height: im.height, width: im.width)
        }
        func need(_ n: Int) throws {
            guard o.images.count >= n else {
                throw PolicyError.invalidAction("the openpi \(rawValue) layout needs \(n) camera images; the observation has \(o.images.count)")
            }
        }
        switch self {
        case .libero:
            try need(2)
            return .map([(.string("observation/image"), image(0)), (.string("observation/wrist_image"), image(1)),
                         (.string("observation/state"), MsgpackNumpy.float32(o.state)), (.string("prompt"), .string(o.instruction))])
        case .droid:
            try need(2)
            guard o.state.count >= 8 else { throw PolicyError.invalidAction("the openpi droid layout needs 8 state values (7 joints + gripper); got \(o.state.count)") }
            return .map([(.string("observation/exterior_image_1_left"), image(0)), (.string("observation/wrist_image_left"), image(1)),
                         (.string("observation/joint_position"), MsgpackNumpy.float32(Array(o.state[0..<7]))),
                         (.string("observation/gripper_position"), MsgpackNumpy.float32(Array(o.state[7...]))),
                         (.string("prompt"), .string(o.instruction))])
        case .aloha:
            try need(1)
            let names = ["cam_high", "cam_left_wrist", "cam_right_wrist"]
            let cams = o.images.prefix(3).enumerated().map { (MsgpackValue.string(names[$0.offset]), image($0.offset)) }
            return .map([(.string("images"), .map(cams)), (.string("state"), MsgpackNumpy.float32(o.state)),
                         (.string("prompt"), .string(o.instruction))])
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
    /// The metadata map the server sent on the current connection.
    public private(set) var metadata: MsgpackValue?
    public private(set) var lastTiming: OpenPIServerTiming?
    /// The whole last answer (e.g. for keys other than `actions`).
    public private(set) var lastResponse: MsgpackValue?
    private var socket: WebSocketClient?

    public init(host: String, port: Int, layout: OpenPIObservationLayout = .libero, settings: RemoteSettings = RemoteSettings(), apiKey: String? = nil) {
        self.host = host; self.port = port; self.layout = layout; self.settings = settings; self.apiKey = apiKey
        self.name = "openpi@\(host):\(port)"
    }

    deinit { socket?.close() }

    private var server: String { "openpi server ws://\(host):\(port)" }

    /// Connects if needed and returns the socket; reads the metadata frame.
    private func connected() throws -> WebSocketClient {
        if let s = socket, s.isOpen { return s }
        let s = try WebSocketClient(host: host, port: port, headers: apiKey.map { ["Authorization": "Api-Key \($0)"] } ?? [:], timeout: settings.timeout)
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
        _ = try withRetries(settings, server: server) { try connected() }
    }

    /// The msgpack frame for an observation.
    public func encode(_ observation: Observation) throws -> [UInt8] {
        var payload: [UInt8] = []
        Msgpack.encode(try layout.encode(observation), into: &payload)
        return payload
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        let payload = try encode(observation)
        return try withRetries(settings, server: server) {
            let s = try connected()
            do {
                try s.send(binary: payload)
            } catch let e as TransportError {
                socket = nil
                throw e
            }
            let reply: WebSocketMessage
            do { reply = try s.receive() } catch let e as TransportError {
                // A dropped connection after the request was sent is not retried: the server may have acted on it.
                socket?.close(); socket = nil
                if case .timeout = e { throw e }
                throw PolicyError.server("\(server): \(e)")
            }
            switch reply {
            case .text(let traceback):
                socket?.close(); socket = nil
                throw PolicyError.server("\(server) reported an error:\n\(traceback.prefix(4000))")
            case .binary(let bytes):
                return try decode(bytes)
            }
        }
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
        lastTiming = OpenPIServerTiming(inferMilliseconds: v["server_timing"]?["infer_ms"]?.double,
                                        previousTotalMilliseconds: v["server_timing"]?["prev_total_ms"]?.double,
                                        policyInferMilliseconds: v["policy_timing"]?["infer_ms"]?.double)
        return ActionChunk(actions: actions)
    }

    /// Closes the connection.
    public func close() { socket?.close(); socket = nil }
}
