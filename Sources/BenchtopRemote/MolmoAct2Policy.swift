import BenchtopCore
import BenchtopPolicy
import Foundation

/// The MolmoAct2 embodiments whose `/act` servers fix camera keys and state length (molmoact.md 13.3, 13.4).
public enum MolmoAct2Embodiment: String, Sendable, CaseIterable {
    /// `franka_droid`: `external_cam`, `wrist_cam`; state `[q1..q7, gripper]`.
    case droid
    /// `yam_dual_molmoact2`: `top_cam`, `left_cam`, `right_cam`; state `[L j1..j6, L grip, R j1..j6, R grip]`.
    case yam
    /// `libero`: `image`, `wrist_image`.
    case libero

    public var normTag: String {
        switch self {
        case .droid: "franka_droid"
        case .yam: "yam_dual_molmoact2"
        case .libero: "libero"
        }
    }
    public var cameraKeys: [String] { cameraSlots.map(\.key) }
    /// The camera keys and the Benchtop cameras they take (matched by name, `CameraSelection`).
    public var cameraSlots: [CameraSlot] {
        switch self {
        case .droid: [CameraSlot("external_cam", .primary), CameraSlot("wrist_cam", .wrist)]
        case .yam: [CameraSlot("top_cam", .primary), CameraSlot("left_cam", .leftWrist), CameraSlot("right_cam", .rightWrist)]
        case .libero: [CameraSlot("image", .primary), CameraSlot("wrist_image", .wrist)]
        }
    }
    /// The state length the server's checkpoint expects (nil: not fixed).
    public var stateDimension: Int? {
        switch self {
        case .droid: 8
        case .yam: 14
        case .libero: nil
        }
    }

    /// The embodiment a norm tag or a Benchtop embodiment name denotes.
    public init?(matching name: String) {
        let n = name.lowercased()
        if n.contains("droid") || n.contains("franka") {
            self = .droid
        } else if n.contains("yam") {
            self = .yam
        } else if n.contains("libero") {
            self = .libero
        } else {
            return nil
        }
    }
}

/// Which `/act` server answers: an embodiment host server (DROID, YAM) or the generic `serve_policy.py`.
public enum MolmoAct2ServerKind: Sendable, Equatable {
    case host(normTag: String)
    case generic(defaultNormTag: String?)
}

/// A client of MolmoAct2's HTTP `/act` servers: json_numpy bodies with the embodiment's camera keys, the raw
/// state as float32 and the instruction. On the generic server it also sends the norm tag and a per-episode
/// `session_id` (reset with `POST /reset`), and can ask for the stateful `action_chunk` style. Depth codes are
/// returned as the chunk's reasoning when the server sends them.
public final class MolmoAct2Policy: Policy {
    public let name: String
    public let endpoint: String
    public var embodiment: MolmoAct2Embodiment?
    public var settings: RemoteSettings
    /// Which Benchtop camera each camera key takes.
    public var cameras = CameraSelection()
    /// Ask the generic server for the stateful `action_chunk` style.
    public var statefulChunks: Bool
    /// `num_steps` (flow-matching steps), when set.
    public var numSteps: Int?
    /// The server kind found by the health check at the first reset.
    public private(set) var serverKind: MolmoAct2ServerKind?
    /// The server-reported inference time of the last answer (`dt_ms` or `latency_ms`).
    public private(set) var lastServerMilliseconds: Double?
    public private(set) var sessionID = "default"
    private let http: HTTPClient
    private let actPath: String
    private let basePath: String
    private var episode = 0
    private let link: ServerLink

    /// `url` is the full `/act` address, e.g. `http://127.0.0.1:8000/act`.
    public init(url: String, embodiment: MolmoAct2Embodiment? = nil, settings: RemoteSettings = RemoteSettings(), statefulChunks: Bool = false) throws
    {
        let e = try Endpoint(url, defaultPort: 8000)
        guard e.scheme == "http" else { throw PolicySpecError("molmoact2 needs an http:// URL, got '\(url)'") }
        self.endpoint = url
        self.embodiment = embodiment
        self.settings = settings
        self.statefulChunks = statefulChunks
        self.actPath = e.path == "/" ? "/act" : e.path
        self.basePath = actPath.hasSuffix("/act") ? String(actPath.dropLast(4)) : ""
        self.http = HTTPClient(host: e.host, port: e.port, timeout: settings.timeout, maxResponseBytes: settings.maxResponseBytes)
        self.link = ServerLink(settings)
        self.name = "molmoact2@\(e.host):\(e.port)"
    }

    private var server: String { "MolmoAct2 server \(endpoint)" }

    private func getJSON(_ path: String) throws -> (Int, JSONValue?) {
        let r = try http.request("GET", path: path)
        return (r.status, try? JSONValue.parse(r.body))
    }

    /// Finds the server kind (first call), then starts a new session on a generic server.
    public func reset(instruction: String, seed: UInt64) throws {
        http.timeout = settings.timeout
        try withRetries(settings, server: server, link: link) {
            if serverKind == nil {
                let (s, health) = try getJSON(basePath + "/health")
                if s == 200, let health, health["default_norm_tag"] != nil || health["n_action_steps"] != nil {
                    serverKind = .generic(defaultNormTag: health["default_norm_tag"]?.string)
                } else {
                    let (s2, info) = try getJSON(actPath)
                    guard s2 == 200, let info, info["status"]?.string == "ok" else {
                        throw PolicyError.server(
                            "\(server): neither GET \(basePath)/health nor GET \(actPath) answered as a MolmoAct2 server (HTTP \(s2))")
                    }
                    serverKind = .host(normTag: info["norm_tag"]?.string ?? "")
                }
                if embodiment == nil {
                    switch serverKind! {
                    case .host(let tag): embodiment = MolmoAct2Embodiment(matching: tag)
                    case .generic(let tag): embodiment = tag.flatMap { MolmoAct2Embodiment(matching: $0) }
                    }
                }
            }
            episode += 1
            if case .generic = serverKind! {
                sessionID = "benchtop:\(seed):\(episode)"
                let body = JSONValue.object([("session_id", .string(sessionID))]).bytes
                try checkStatus(try http.request("POST", path: basePath + "/reset", body: body))
            }
        }
    }

    /// The request body for an observation (exposed for the benchmark and tests).
    public func body(for o: Observation) throws -> [UInt8] {
        var fields: [(String, JSONValue)] = []
        let generic: Bool = {
            if case .generic = serverKind { return true }
            return false
        }()
        if let e = embodiment {
            if let d = e.stateDimension, o.state.count != d {
                throw PolicyError.invalidAction("\(e.normTag) expects a state of \(d) values; the observation has \(o.state.count)")
            }
            for (key, camera) in try cameras.images(for: e.cameraSlots, in: o, client: e.normTag) {
                let im = camera.rgb
                fields.append((key, JSONNumpy.image(im.pixels, height: im.height, width: im.width)))
            }
        } else if generic {
            fields.append(("images", .array(o.images.map { JSONNumpy.image($0.rgb.pixels, height: $0.rgb.height, width: $0.rgb.width) })))
        } else {
            throw PolicyError.invalidAction("unknown camera keys for this host server; name the embodiment (droid or yam)")
        }
        fields.append(("instruction", .string(o.instruction)))
        fields.append(("state", JSONNumpy.float32(o.state)))
        fields.append(("timestamp", .number(o.time)))
        if let numSteps { fields.append(("num_steps", .number(Double(numSteps)))) }
        if generic {
            if let e = embodiment { fields.append(("norm_tag", .string(e.normTag))) }
            fields.append(("session_id", .string(sessionID)))
            if statefulChunks { fields.append(("action_chunk", .string("true"))) }
        }
        return JSONValue.object(fields).bytes
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        let payload = try body(for: observation)
        let limit = link.queryTimeout
        http.timeout = limit
        let response = try withRetries(settings, server: server, link: link, limit: limit) { () throws -> HTTPResponse in
            let r = try http.request("POST", path: actPath, body: payload)
            try checkStatus(r)
            return r
        }
        link.answered = true
        return try chunk(fromResponse: response.body)
    }

    /// Decodes an `/act` answer: `actions` (json_numpy or lists) or `action`, and depth codes when present.
    public func chunk(fromResponse body: [UInt8]) throws -> ActionChunk {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch { throw PolicyError.malformedOutput(field: "response", detail: "\(error)") }
        if let e = json["error"] { throw PolicyError.server("\(server): \(e.string ?? "error")") }
        let actions: [[Double]]
        if let a = json["actions"] {
            actions = try JSONNumpy.matrix(a, field: "actions")
        } else if let a = json["action"] {
            actions = try JSONNumpy.matrix(a, field: "action")
        } else {
            throw PolicyError.malformedOutput(field: "actions", detail: "missing from the server's answer (keys: \(objectKeys(json)))")
        }
        lastServerMilliseconds = json["dt_ms"]?.double ?? json["latency_ms"]?.double
        var reasoning: Reasoning?
        if let d = json["depth_buffer_codes"] ?? json["depth_predictions"] {
            let codes = try JSONNumpy.matrix(d, field: "depth").flatMap { $0 }.map { Int($0) }
            guard codes.count >= 100, codes.prefix(100).allSatisfy({ (0..<128).contains($0) }) else {
                throw PolicyError.malformedOutput(field: "depth", detail: "\(codes.count) codes, expected 100 in 0 ..< 128")
            }
            reasoning = Reasoning(depthTokens: Array(codes.prefix(100)))
        }
        return ActionChunk(actions: actions, reasoning: reasoning)
    }

    private func objectKeys(_ v: JSONValue) -> String {
        if case .object(let o) = v { return o.map(\.0).joined(separator: ", ") }
        return "not an object"
    }
}
