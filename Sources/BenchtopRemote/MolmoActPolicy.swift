import BenchtopCore
import BenchtopImage
import BenchtopPolicy
import BenchtopReasoning
import Foundation

/// What a MolmoAct client does with an answer whose actions cannot be used.
public enum MalformedOutputHandling: String, Sendable {
    /// End the episode with the error.
    case fail
    /// Execute one zero action with the last gripper value (Ai2's LIBERO evaluation) and count the error.
    case zeroAction = "zero-action"
}

/// A MolmoAct (v1) client for an OpenAI-compatible chat-completions server (how vLLM serves it): the ordered
/// camera images (primary first, 256 x 256) as base64 PNG data URLs, the verbatim prompt, greedy decoding; the
/// answer is parsed into depth codes, traces and actions (un-normalised with the checkpoint's statistics).
public final class MolmoActPolicy: Policy, RecoveredErrorReporting {
    public let name: String
    public let endpoint: String
    public var model: String?
    public var prompt: MolmoActPrompt
    /// Action statistics; nil returns normalised actions.
    public var normalization: ActionNormalization?
    public var settings: RemoteSettings
    public var onMalformedOutput: MalformedOutputHandling
    /// Expected steps per answer (1 for Pretrain checkpoints, 8 for LIBERO ones); nil accepts any.
    public var expectedSteps: Int?
    /// Images sent (the primary first); 2 for multi-view prompts, 1 for single-image ones.
    public var maxImages: Int
    public var maxTokens = 512
    public var actionDimension = 7
    /// The trace drawn on image 1 for the steering prompts, in [0, 255] model coordinates.
    public var steeringTrace: [SIMD2<Double>] = []
    /// Every issue found in answers so far, by field (`depth`, `trace`, `action[2]`, ...).
    public private(set) var issueCounts: [String: Int] = [:]
    /// The last answer's parse.
    public private(set) var lastOutput: MolmoActOutput?
    private var recovered: [PolicyError] = []
    private var pendingSteering: [SIMD2<Double>]?
    private var lastGripper: Double?
    private let http: HTTPClient
    private let chatPath: String
    private let modelsPath: String

    /// `url` is the server's base (`http://host:port`), its `/v1`, or the full `/v1/chat/completions` address.
    public init(url: String, model: String? = nil, prompt: MolmoActPrompt = .multiView, normalization: ActionNormalization? = nil,
                settings: RemoteSettings = RemoteSettings(), onMalformedOutput: MalformedOutputHandling = .zeroAction, expectedSteps: Int? = nil) throws {
        let e = try Endpoint(url, defaultPort: 8000)
        guard e.scheme == "http" else { throw PolicySpecError("molmoact needs an http:// URL, got '\(url)'") }
        var base = e.path.hasSuffix("/") ? String(e.path.dropLast()) : e.path
        if base.hasSuffix("/chat/completions") { base = String(base.dropLast("/chat/completions".count)) }
        if !base.hasSuffix("/v1") { base += "/v1" }
        chatPath = base + "/chat/completions"
        modelsPath = base + "/models"
        self.endpoint = url; self.model = model; self.prompt = prompt; self.normalization = normalization
        self.settings = settings; self.onMalformedOutput = onMalformedOutput; self.expectedSteps = expectedSteps
        self.maxImages = prompt == .multiView || prompt == .steeringMultiView ? 2 : 1
        self.http = HTTPClient(host: e.host, port: e.port, timeout: settings.timeout)
        self.name = "molmoact@\(e.host):\(e.port)"
    }

    private var server: String { "MolmoAct server \(endpoint)" }

    public func takeRecoveredErrors() -> [PolicyError] { defer { recovered = [] }; return recovered }

    /// Learns the served model's id (first call, unless given) and clears the episode's gripper memory.
    public func reset(instruction: String, seed: UInt64) throws {
        lastGripper = nil
        guard model == nil else { return }
        let r = try withRetries(settings, server: server) { try http.request("GET", path: modelsPath) }
        try checkStatus(r)
        guard let j = try? JSONValue.parse(r.body), let id = j["data"]?.array?.first?["id"]?.string else {
            throw PolicyError.server("\(server): GET \(modelsPath) listed no model; pass ?model=NAME")
        }
        model = id
    }

    /// The chat-completions request body for an observation.
    public func body(for o: Observation) throws -> [UInt8] {
        guard !o.images.isEmpty else { throw PolicyError.invalidAction("MolmoAct needs at least the primary camera image") }
        var content: [JSONValue] = []
        for (k, cam) in o.images.prefix(maxImages).enumerated() {
            // The model's trace coordinates refer to a 256 x 256 primary image.
            var image = k == 0 ? resized(cam.rgb, width: 256, height: 256) : cam.rgb
            if k == 0 && prompt.isSteering { SteeringOverlay.draw(steeringTrace, on: &image) }
            let png = PNG.encode(image, compressionLevel: 1)
            content.append(.object([("type", .string("image_url")),
                                    ("image_url", .object([("url", .string("data:image/png;base64," + png.base64EncodedString()))]))]))
        }
        content.append(.object([("type", .string("text")), ("text", .string(prompt.text(instruction: o.instruction)))]))
        return JSONValue.object([
            ("model", .string(model ?? "")),
            ("messages", .array([.object([("role", .string("user")), ("content", .array(content))])])),
            ("temperature", .number(0)),
            ("max_tokens", .number(Double(maxTokens))),
        ]).bytes
    }

    public func act(on observation: Observation) throws -> ActionChunk {
        guard let trace = pendingSteering else { return try query(observation) }
        // One query with the steering prompt and the trace drawn on image 1, as the model was trained.
        pendingSteering = nil
        let saved = (prompt, steeringTrace)
        prompt = prompt.steering
        steeringTrace = trace
        defer { (prompt, steeringTrace) = saved }
        var chunk = try query(observation)
        if chunk.reasoning?.traces.isEmpty ?? true { chunk.reasoning = (chunk.reasoning ?? Reasoning()); chunk.reasoning?.traces = [trace] }
        return chunk
    }

    private func query(_ observation: Observation) throws -> ActionChunk {
        let payload = try body(for: observation)
        let response = try withRetries(settings, server: server) { () throws -> HTTPResponse in
            let r = try http.request("POST", path: chatPath, body: payload)
            try checkStatus(r)
            return r
        }
        let json: JSONValue
        do { json = try JSONValue.parse(response.body) } catch { throw PolicyError.malformedOutput(field: "response", detail: "\(error)") }
        guard let text = json["choices"]?.array?.first?["message"]?["content"]?.string else {
            throw PolicyError.malformedOutput(field: "choices[0].message.content", detail: "missing from the server's answer")
        }
        return try chunk(fromAnswer: text)
    }

    /// Parses an answer into a chunk, applying the malformed-output handling.
    public func chunk(fromAnswer text: String) throws -> ActionChunk {
        let out = MolmoActParser.parse(text, actionDimension: actionDimension, expectReasoning: prompt.expectsReasoning, expectedSteps: expectedSteps)
        lastOutput = out
        for issue in out.issues { issueCounts[issue.field.split(separator: "[").first.map(String.init) ?? issue.field, default: 0] += 1 }
        let reasoning = Reasoning(depthTokens: out.depthCodes?.count == 100 ? out.depthCodes : nil,
                                  traces: out.traces.map(\.points), text: text)
        do {
            let actions = try MolmoActParser.actions(out, normalization: normalization)
            lastGripper = actions.last?.last
            return ActionChunk(actions: actions, reasoning: reasoning)
        } catch {
            let e = PolicyError.malformedOutput(field: error.issue.field, detail: error.issue.detail)
            switch onMalformedOutput {
            case .fail: throw e
            case .zeroAction:
                recovered.append(e)
                var zero = [Double](repeating: 0, count: actionDimension)
                zero[actionDimension - 1] = lastGripper ?? ActionTokenizer.binCentre(254)   // open until told otherwise
                return ActionChunk(actions: [zero], reasoning: reasoning)
            }
        }
    }
}

extension MolmoActPolicy: TraceFollowing {
    /// Sends `trace` with the steering prompt (the same views) on the next query only.
    public func follow(trace: [SIMD2<Double>]) { pendingSteering = trace }
}
